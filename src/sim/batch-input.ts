/**
 * The library's simulators take a flat batch of inputs; a wrong length or a NaN would otherwise be read as made-up
 * samples or as zeros, silently. The CLI checks its .npy files before; this check is for library callers.
 */
import { InputError } from "../util/errors.js";

/** Refuses a batch that is not `batch` samples of `size` finite values each. */
export function checkBatchInput(x: Float64Array, batch: number, size: number, what: string): void {
  if (!Number.isInteger(batch) || batch < 0) throw new InputError(`${what}: batch ${batch} is not a whole number of samples`, "pass the number of samples in the input");
  if (x.length !== batch * size) {
    throw new InputError(
      `${what}: ${batch} samples of ${size} values need ${batch * size} input values, got ${x.length}`,
      "pass inputs of the compiled model's input shape, flattened, and their count",
    );
  }
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) throw new InputError(`${what}: input value ${x[i]} at flat index ${i} (sample ${Math.floor(i / size)})`, "clean the data (NaN/Inf) before simulating");
  }
}
