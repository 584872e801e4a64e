/** The trained fixtures every benchmark section measures (test/fixtures, copied from shared/fixtures). */
export interface BenchFixture {
  name: string;
  model: string;
  calib: string;
  test: string;
  /** Input shape of one sample. */
  shape: number[];
}

export const LENET5: BenchFixture = {
  name: "lenet5_fmnist",
  model: "test/fixtures/lenet5_fmnist.onnx",
  calib: "test/fixtures/fmnist_calib_x.npy",
  test: "test/fixtures/fmnist_test_x.npy",
  shape: [1, 28, 28],
};

export const MLP_DIGITS: BenchFixture = {
  name: "mlp_digits",
  model: "test/fixtures/mlp_digits.onnx",
  calib: "test/fixtures/digits_calib_x.npy",
  test: "test/fixtures/digits_test_x.npy",
  shape: [64],
};
