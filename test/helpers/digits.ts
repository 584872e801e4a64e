/** The digits MLP fixture and its data: the small model most CLI tests compile. */
export const FIX = "test/fixtures";
export const MLP = `${FIX}/mlp_digits.onnx`;
export const CALIB = `${FIX}/digits_calib_x.npy`;
export const TEST_X = `${FIX}/digits_test_x.npy`;
export const TEST_Y = `${FIX}/digits_test_y.npy`;
