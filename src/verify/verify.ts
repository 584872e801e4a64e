/**
 * `spikec verify`: does the SNN compute what the ANN computes? On given inputs it compares
 * - the SNN's readout (exact simulator) with the float64 ANN executor on the imported graph (logits, argmax);
 * - each population's spike times with t_max − activation of the rescaled canonical ANN (layer by layer);
 * and counts spikes, early crossings and clipped inputs; with a target, the activations beyond the chip's windows (which
 * the chip clips: its windows come from the calibration data). onnxruntime (the independent reference) is compared
 * separately by the caller, since it is asynchronous.
 */
import { execute } from "../ann/execute.js";
import { product } from "../ann/graph.js";
import { annLogitsNode } from "../ann/logits.js";
import type { Compiled } from "../compile.js";
import { normalizeInput } from "../mapping/map.js";
import { inputOf, readoutOf } from "../snn/network.js";
import { checkLabelClasses, checkLabelValues } from "../io/npy.js";
import { InputError } from "../util/errors.js";
import { prepareNetwork } from "../sim/exact/prepare.js";
import { simulateExact } from "../sim/exact/simulate.js";
import { checkBatchInput } from "../sim/batch-input.js";
import { accuracy, compareLogits, type Agreement } from "./compare.js";
import { chipWindows, windowCounts } from "../hw/chip-windows.js";
import { EXACT_TOLERANCE } from "./tolerance.js";

export interface LayerCheck {
  population: string;
  kind: string;
  neurons: number;
  /** Spikes per neuron over the checked samples. */
  spikesPerNeuron: number;
  /** max |t_spike − (t_max − x)| over neurons and samples (no spike counts as t_max). */
  maxTimeError: number;
  /** Neurons (× samples) that spiked before their firing window. */
  early: number;
  /** Neurons (× samples) that took the exact sorted scan instead of the closed form. */
  scanned: number;
  /**
   * With a target, spiking layers: activations (neurons × samples) above their window on the chip by more than half
   * a tick. The chip fires them at the window's first tick, i.e. clips them to the window (chipWindows). null: no
   * target, or not a spiking layer.
   */
  aboveChipWindow: number | null;
  /**
   * Of those, the activations above the whole window the calibration data chose (b1 encodes one tick less, so its
   * calibration maxima land in the clipped top tick): only these call for other calibration data. null as above.
   */
  aboveCalibratedWindow: number | null;
}

export interface VerifyResult {
  samples: number;
  /** SNN readout vs the float64 ANN executor on the imported graph. */
  snnVsAnn: Agreement;
  annAccuracy: number | null;
  snnAccuracy: number | null;
  /** Over spiking populations and gates. */
  spikesPerNeuron: number;
  latency: number;
  layers: LayerCheck[];
  clippedInputs: number;
  /** Exact when every argmax agrees and max |Δlogit| ≤ 1e-9 × max |logit|. */
  matches: boolean;
  /** What the logits are on the ANN side, in words (the graph output, or the input of the final Softmax). */
  compared: string;
  /** The ANN logits (for comparing with onnxruntime): the value before a final Softmax, like the SNN's readout. */
  annLogits: Float64Array;
  snnLogits: Float64Array;
}

export { EXACT_TOLERANCE };

export function verifyCompiled(
  compiled: Compiled,
  input: Float64Array,
  n: number,
  labels?: Float64Array,
  onProgress?: (done: number, total: number) => void,
): VerifyResult {
  const { ann, net } = compiled;
  const rescaled = compiled.mapping.rescaled;
  const inputSize = product(inputOf(net).shape);
  checkBatchInput(input, n, inputSize, "verifyCompiled");
  // Agreement over no samples would read as 100 %: as the CLI refuses an empty file, the library refuses n = 0.
  if (n === 0) throw new InputError("verifyCompiled: no samples (n = 0)", "pass at least one input");
  if (labels) checkLabels(labels, n, product(readoutOf(net).shape));
  const prepared = prepareNetwork(net);
  const spiking = net.populations.filter((p) => p.kind !== "readout" && p.kind !== "input");
  const chip = compiled.hw ? chipWindows(net, compiled.hw.choice.lowered.lowering.timing!) : null;
  const layers = new Map<string, LayerCheck>(
    spiking.map((p) => [
      p.id,
      { population: p.id, kind: p.kind, neurons: product(p.shape), spikesPerNeuron: 0, maxTimeError: 0, early: 0, scanned: 0, aboveChipWindow: chip?.has(p.id) ? 0 : null, aboveCalibratedWindow: chip?.has(p.id) ? 0 : null },
    ]),
  );
  const logitsNode = annLogitsNode(ann);
  const annLogits: Float64Array[] = [];
  const snnLogits: Float64Array[] = [];
  let clippedInputs = 0;
  let spikes = 0;
  const perSample = net.populations.reduce((a, p) => a + product(p.shape), 0);
  const step = Math.max(1, Math.min(256, Math.floor(5e6 / perSample)));
  for (let b0 = 0; b0 < n; b0 += step) {
    const nb = Math.min(step, n - b0);
    const x = input.subarray(b0 * inputSize, (b0 + nb) * inputSize);
    annLogits.push(execute(ann, x, nb, { keep: (id) => id === logitsNode.id }).get(logitsNode.id)!);
    const annNodeOf = compiled.mapping.annNodeOf;
    const annIds = new Set(spiking.map((p) => annNodeOf.get(p.id)!));
    const acts = execute(rescaled, normalizeInput(x, inputOf(net).range), nb, { keep: (id) => annIds.has(id) });
    const sim = simulateExact(net, x, nb, { prepared, keep: (id) => layers.has(id) });
    snnLogits.push(sim.logits);
    clippedInputs += sim.clippedInputs;
    for (const pop of spiking) {
      const check = layers.get(pop.id)!;
      const t = sim.times.get(pop.id)!;
      const a = acts.get(annNodeOf.get(pop.id)!)!;
      const st = sim.stats.get(pop.id)!;
      check.early += st.early;
      check.scanned += st.scanned;
      check.spikesPerNeuron += st.spikes;
      spikes += st.spikes;
      const tMax = pop.window.tMax;
      for (let i = 0; i < t.length; i++) {
        const err = Math.abs(Math.min(t[i]!, tMax) - (tMax - Math.max(a[i]!, 0)));
        if (err > check.maxTimeError) check.maxTimeError = err;
      }
      const window = chip?.get(pop.id);
      if (window) {
        const c = windowCounts(window, tMax, t);
        check.aboveChipWindow! += c.aboveEncoded;
        check.aboveCalibratedWindow! += c.aboveCalibrated;
      }
    }
    onProgress?.(b0 + nb, n);
  }
  const join = (parts: Float64Array[]) => {
    const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
  const annAll = join(annLogits);
  const snnAll = join(snnLogits);
  const snnVsAnn = compareLogits(annAll, snnAll, n);
  const neurons = spiking.reduce((a, p) => a + product(p.shape), 0);
  for (const check of layers.values()) check.spikesPerNeuron /= n * check.neurons;
  return {
    samples: n,
    snnVsAnn,
    annAccuracy: labels ? accuracy(annAll, labels, n) : null,
    snnAccuracy: labels ? accuracy(snnAll, labels, n) : null,
    spikesPerNeuron: neurons ? spikes / (n * neurons) : 0,
    latency: net.populations[net.populations.length - 1]!.window.tMin,
    layers: [...layers.values()],
    clippedInputs,
    matches: snnVsAnn.agreeing === n && snnVsAnn.maxAbsDelta <= EXACT_TOLERANCE * Math.max(snnVsAnn.maxAbsReference, 1e-300),
    compared: logitsNode.description,
    annLogits: annAll,
    snnLogits: snnAll,
  };
}

/** Labels for n samples: n whole numbers in [0, classes), as `spikec verify --labels` requires of its file. */
function checkLabels(labels: Float64Array, n: number, classes: number): void {
  if (labels.length !== n) throw new InputError(`verifyCompiled: ${labels.length} labels for ${n} samples`, "pass one label per sample");
  checkLabelValues(labels, "verifyCompiled");
  checkLabelClasses(labels, classes, "verifyCompiled");
}
