/**
 * Calibration: the largest activation X_n of a layer over the calibration data set, one scalar per layer over all
 * neurons, positions and samples (shared/spec/ttfs-mapping.md §3.3).
 *
 * It is read off the SNN's own drive rather than a separate run of the rescaled ANN: the closed-form spike time is
 * t2 − (Σ_j W_ij·x_j + b_i), and the drive Σ_j J_ij·x_j (J = g·W for the alpha model, W for b1) does not depend on
 * the window, so x_i = b_i + drive_i / g_i is the activation the SNN will encode, with its inputs decoded from the
 * spike times of the layers already mapped. That saves one forward pass over the data set, and the window is sized
 * for the values the SNN actually carries (equal to the ANN's up to rounding).
 */
import { product, type LayerNode } from "../ann/graph.js";

/** max(0, max over samples and neurons of b_i + drive_i / g_i); `gain` omitted means g = 1 (b1). */
export function maxActivation(layer: LayerNode, drive: Float64Array, gain?: Float64Array): number {
  const size = product(layer.shape);
  const { bias } = layer;
  let m = 0;
  for (let k = 0, i = 0; k < drive.length; k++, i = i + 1 === size ? 0 : i + 1) {
    const x = bias[i]! + (gain ? drive[k]! / gain[i]! : drive[k]!);
    if (x > m) m = x;
  }
  return m;
}
