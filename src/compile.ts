/**
 * The compiler driver: ONNX model + calibration data → SNN IR and its report. The library API mirrors
 * `spikec compile` (the CLI only adds files and printing).
 */
import { basename } from "node:path";
import type { AnnGraph } from "./ann/graph.js";
import { product } from "./ann/graph.js";
import { canonicalize, type PassLog } from "./ann/canonicalize.js";
import { argmaxRows } from "./verify/compare.js";
import { MIN_SPLIT_CAPACITY, splitFanIn } from "./ann/passes/split-fan-in.js";
import { applyAnnPass } from "./ann/passes/ann-pass.js";
import { separateMaxPool } from "./ann/passes/separate-max-pool.js";
import { gateInputLimit } from "./hw/passes/ranges.js";
import { LOWERING_INPUTS_PER_NEURON } from "./hw/passes/spiking.js";
import { checkFinite, checkSamples, readNpy, type NpyArray } from "./io/npy.js";
import { mapToSnn, type MappingResult } from "./mapping/map.js";
import { importOnnx } from "./onnx/import.js";
import type { NeuronModel, SnnNetwork } from "./snn/network.js";
import { verifyNetwork } from "./snn/verify.js";
import { buildReport, type CompileReport } from "./report/report.js";
import { InputError } from "./util/errors.js";
import { execute } from "./ann/execute.js";
import { loadTarget } from "./hw/target/load.js";
import { annLogitsNode } from "./ann/logits.js";
import type { Target } from "./hw/target/target.js";
import { chooseTicks, tickSearchSampleNote, type TickChoice } from "./hw/ticks.js";
import { buildHardwareReport } from "./hw/report.js";
import { activationStats, channelWindows as channelWindowsOf } from "./hw/calibration.js";
import { topTickActivations } from "./hw/chip-windows.js";
import { DEFAULT_WINDOW_MARGIN } from "./hw/lower.js";
import { subTickChannels, subTickNote } from "./hw/resolution.js";
import type { HwNetwork } from "./hw/network.js";
import { place, type Placement } from "./place/place.js";
import { buildFitReport, measureActivity } from "./place/fit-report.js";
import { originsOf } from "./place/origins.js";
import { requireNeuronModel } from "./hw/passes/spiking.js";

export interface CompileOptions {
  model?: NeuronModel;
  /** Window margin ζ (default 0.5). */
  margin?: number;
  /** Raw input range mapped to the input window; default derived from the calibration data (see inputRangeFor). */
  inputRange?: { low: number; high: number };
  onProgress?: (stage: string, done: number, total: number) => void;
  /** Lower to a chip (id or XML path, or a loaded Target): adds `hw` and the report's `hardware` section. */
  target?: string | Target;
  /** Fixed ticks per window (default: the smallest reaching `agreement` on the calibration data). */
  ticks?: number;
  /** Goal of the tick search: cycle-simulation agreement with the ANN on the calibration data (default 0.99). */
  agreement?: number;
  /** Calibration samples the tick search simulates (default 500). */
  hardwareSamples?: number;
  /** Synapses per connection on the chip: 1 (8-bit weights, default) or 2 (coarse + residual, ~15 bits). */
  weightTerms?: 1 | 2;
  /**
   * One mixed-sign synapse list per projection on the chip (7-bit magnitudes on Loihi) instead of an excitatory and an
   * inhibitory list (default false): fewer synapse-format entries and lists, one bit of weight precision less.
   */
  mixedSign?: boolean;
  /** Chip windows (1 + margin)·X_n (default 0: the calibrated maximum), or null for the SNN's own windows. */
  windowMargin?: number | null;
  /** Chip windows per channel (dense: per neuron) at (1 + windowMargin)·its calibrated maximum (default true). */
  channelWindows?: boolean;
}

/** Calibration samples simulated to measure the fit report's spikes and synaptic events per inference. */
const FIT_SAMPLES = 20;

/** The network lowered to a target, with the tick search that chose its budget. */
export interface CompiledHardware {
  target: Target;
  net: HwNetwork;
  choice: TickChoice;
  /** The HW IR on the target's cores (src/place/); report.fit summarizes it. */
  placement: Placement;
  /** The calibration inputs choice.evaluation ran on ([evaluation.samples, …input shape], raw). */
  samples: Float64Array;
}

export interface Compiled {
  /** The graph as imported from ONNX (the float64 reference). */
  ann: AnnGraph;
  /** The canonical graph (input, layer, maxpool) the SNN maps; its input is x̂ ∈ [0, 1]. */
  canonical: AnnGraph;
  mapping: MappingResult;
  net: SnnNetwork;
  report: CompileReport;
  hw?: CompiledHardware;
}

/**
 * The input range: [0, 1] for data inside it (images scaled by 1/255), [0, 255] for 8-bit pixel values (whole numbers), otherwise
 * the calibration data's own [min, max] — widened down to 0 when the data is non-negative and 0 lies within its
 * span below it (an unseen darker pixel stays in range), but not for data far from 0: [1e7, 1e7 + 16] read as
 * [0, 1e7 + 16] would put every input in the window's last millionth and make the first layer's folded weights and
 * bias cancel (measured: logits off by 1e-8 relative instead of 1e-16).
 */
export function inputRangeFor(calib: NpyArray): { low: number; high: number; rule: string } {
  let lo = Infinity;
  let hi = -Infinity;
  let whole = true;
  for (const v of calib.data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    if (whole && !Number.isInteger(v)) whole = false;
  }
  const toZero = lo <= 0 || lo <= hi - lo;
  const low = toZero ? Math.min(0, lo) : lo;
  if (low === 0 && hi <= 1) return { low: 0, high: 1, rule: "calibration data within [0, 1]" };
  // Only whole numbers are 8-bit pixels: float data that strays above 1 (an augmented or standardized image, 1.2 or
  // 3.95) read as [0, 255] put every value in the window's first 1/200 and the chip's tick search never converged.
  if (low === 0 && hi <= 255 && hi > 1 && whole) return { low: 0, high: 255, rule: "calibration data of whole numbers within [0, 255] (8-bit pixels)" };
  if (!(hi > low)) return { low, high: low + 1, rule: `the calibration data's one value, ${low}, and one unit above (the data has no spread)` };
  return {
    low,
    high: hi,
    rule: toZero ? "minimum (or 0) and maximum of the calibration data" : "minimum and maximum of the calibration data (far from 0: not widened to 0)",
  };
}

/**
 * Refuses calibration data without spread (every value equal: all zeros, a constant fill): the windows would fit the
 * one input it holds, and other inputs spike early (an audit: 15 % agreement on the test images, no warning).
 */
export function checkCalibrationSpread(calib: NpyArray, file: string): void {
  const d = calib.data;
  for (let i = 1; i < d.length; i++) if (d[i] !== d[0]) return;
  throw new InputError(
    `${file}: every calibration value is ${d[0]} (${d.length} values): the layers' windows would be calibrated on that one input`,
    "calibrate on real inputs (a few hundred samples of the training or test set, preprocessed as the model expects)",
  );
}

/** Reads and checks a sample file against the model's input shape. */
export function loadSamples(path: string, inputShape: readonly number[]): { array: NpyArray; count: number } {
  const array = readNpy(path);
  checkFinite(array, path);
  const count = checkSamples(array, inputShape, path);
  if (count === 0) throw new InputError(`${path} holds no samples`, "pass a file with at least one sample");
  return { array, count };
}

/**
 * The options the CLI checks as flags, checked again for library callers (plain JavaScript gets no type check):
 * the same limits and messages, an InputError each.
 */
function checkOptions(o: CompileOptions): void {
  const bad = (what: string, hint: string): never => {
    throw new InputError(what, hint);
  };
  if (o.model !== undefined && o.model !== "alpha" && o.model !== "b1") bad(`neuron model '${String(o.model)}' is not alpha or b1`, "use model: \"alpha\" (one spike per neuron) or \"b1\"");
  if (o.ticks !== undefined) checkTicksValue(o.ticks);
  if (o.agreement !== undefined) checkAgreementValue(o.agreement);
  if (o.hardwareSamples !== undefined && !(Number.isSafeInteger(o.hardwareSamples) && o.hardwareSamples >= 1)) bad(`hardwareSamples ${o.hardwareSamples} must be a whole number ≥ 1`, "give the number of calibration samples the tick search simulates (default 500)");
  if (o.weightTerms !== undefined && o.weightTerms !== 1 && o.weightTerms !== 2) bad(`weightTerms ${String(o.weightTerms)} must be 1 or 2`, "1: 8-bit weights (default); 2: a coarse and a residual synapse per connection");
  if (o.mixedSign !== undefined && typeof o.mixedSign !== "boolean") bad(`mixedSign ${String(o.mixedSign)} must be true or false`, "true: one mixed-sign synapse list per projection; false (default): an excitatory and an inhibitory list");
  if (o.windowMargin !== undefined && o.windowMargin !== null && !(o.windowMargin >= 0 && o.windowMargin <= MAX_MARGIN)) bad(`windowMargin ${o.windowMargin} is outside [0, ${MAX_MARGIN}]`, "chip windows are (1 + windowMargin) × the calibrated maximum; null keeps the SNN's own windows");
}

/** Refuses ticks per window that are not a whole number ≥ 2 (`typedAs`: the value as the user wrote it). */
export function checkTicksValue(ticks: number, typedAs = String(ticks)): void {
  if (Number.isSafeInteger(ticks) && ticks >= 2) return;
  throw new InputError(`--ticks ${typedAs} must be an integer ≥ 2 (ticks per window)`, "use --ticks 2 or more (4 or more in practice), or leave it out to let the compiler choose");
}

/** Refuses an agreement goal outside (0, 1]. */
export function checkAgreementValue(agreement: number, typedAs = String(agreement)): void {
  if (agreement > 0 && agreement <= 1) return;
  throw new InputError(`--agreement ${typedAs} must be a number in (0, 1]`, "e.g. --agreement 0.99 (the default)");
}

/** The largest window margin ζ compile takes (see checkMargin). */
export const MAX_MARGIN = 100;

/**
 * Refuses a window margin ζ outside [0, MAX_MARGIN] (`typedAs`: the value as the user wrote it). Below 0 the
 * calibration maxima would not fit their windows; far above, the windows are so long that float64 spike times no
 * longer resolve the activations (ζ = 1e12 lost agreement): neither is a safety margin.
 */
export function checkMargin(margin: number, typedAs = String(margin)): void {
  if (margin >= 0 && margin <= MAX_MARGIN) return;
  throw new InputError(
    `--margin ${typedAs} is outside [0, ${MAX_MARGIN}]: the margin ζ makes each window (1 + ζ) × its calibrated maximum`,
    `use a margin from 0 to ${MAX_MARGIN} (default 0.5; 0.5–1 is usual; raise it when inputs exceed the calibration data)`,
  );
}

export function compileGraph(ann: AnnGraph, calib: NpyArray, calibCount: number, calibFile: string, options: CompileOptions = {}): Compiled {
  const model = options.model ?? "alpha";
  const margin = options.margin ?? 0.5;
  checkMargin(margin);
  checkOptions(options);
  checkCalibrationSpread(calib, calibFile);
  const derived = inputRangeFor(calib);
  const range = options.inputRange ?? { low: derived.low, high: derived.high };
  if (!(range.high > range.low)) throw new InputError(`input range [${range.low}, ${range.high}] is empty`, "pass --input-range LOW,HIGH with LOW < HIGH");
  const target = typeof options.target === "string" ? loadTarget(options.target) : options.target;
  // Before the mapping, naming the model as given (an audit: the refusal came after it, naming the file alone).
  if (target) requireNeuronModel(model, ann.source, target);
  const { graph: canonical, log } = fitTargetShapes(canonicalize(ann, { inputRange: range }), target);
  const mapping = mapToSnn(canonical, calib.data, calibCount, {
    model,
    margin,
    inputRange: range,
    modelFile: basename(ann.source),
    onProgress: options.onProgress,
  });
  verifyNetwork(mapping.net);
  const report = buildReport({
    ann,
    canonical,
    mapping,
    passLog: log,
    calibration: { file: calibFile, samples: calibCount, inputRange: range, rangeRule: options.inputRange ? "given with --input-range" : derived.rule },
  });
  const compiled: Compiled = { ann, canonical, mapping, net: mapping.net, report };
  if (target !== undefined) compiled.hw = compileHardware(compiled, calib, calibCount, { ...options, target });
  return compiled;
}

/**
 * Target-driven rewrites of the canonical graph, each exact: max pools wider than the target's gates are separated
 * into a row pool and a column pool (separate-max-pool.ts); for a target whose cores take a bounded number of input
 * axons, layers whose neurons read more sources than that are summed from partial sums (split-fan-in.ts).
 */
function fitTargetShapes(canonical: { graph: AnnGraph; log: PassLog[] }, target: Target | undefined): { graph: AnnGraph; log: PassLog[] } {
  if (target === undefined) return canonical;
  const log = [...canonical.log];
  let graph = applyAnnPass(separateMaxPool(gateInputLimit(target), target.name), canonical.graph, log);
  const axons = target.coreClasses[0]?.maxInputAxons ?? null;
  // What a neuron's projections may use; below the split's minimum the placer names the layers that do not fit.
  const capacity = axons === null ? 0 : axons - LOWERING_INPUTS_PER_NEURON;
  if (axons !== null && capacity >= MIN_SPLIT_CAPACITY) graph = applyAnnPass(splitFanIn(capacity, target.name), graph, log);
  return { graph, log };
}

/** Above this share of the calibration samples in one ANN class, the tick search's agreement measures nothing. */
const ONE_CLASS_SHARE = 0.95;

/** The ANN's most frequent argmax over n samples of [n, classes] logits, and its share. */
function dominantClass(logits: Float64Array, n: number): { cls: number; share: number } | null {
  if (n === 0) return null;
  const classes = logits.length / n;
  const counts = new Int32Array(classes);
  for (const best of argmaxRows(logits, n)) counts[best]!++;
  let cls = 0;
  for (let c = 1; c < classes; c++) if (counts[c]! > counts[cls]!) cls = c;
  return { cls, share: counts[cls]! / n };
}

/** Lowers a compiled SNN to the target, choosing the tick budget on the calibration data, and fills report.hardware. */
export function compileHardware(compiled: Compiled, calib: NpyArray, calibCount: number, options: CompileOptions): CompiledHardware {
  const target = typeof options.target === "string" ? loadTarget(options.target) : options.target!;
  const n = Math.min(calibCount, options.hardwareSamples ?? 500);
  const size = product(compiled.ann.nodes[0]!.shape);
  const x = calib.data.subarray(0, n * size);
  const logits = annLogitsNode(compiled.ann).id;
  const reference = execute(compiled.ann, x, n, { keep: (id) => id === logits }).get(logits)!;
  // Chip windows and rounding-bias means from the whole calibration set, as X_n (an audit found the windows of the
  // first 500 samples reported as the calibration data's); the tick search simulates the first n.
  const stats = activationStats(compiled.net, calib.data.subarray(0, calibCount * size), calibCount);
  const margin = options.windowMargin === undefined ? DEFAULT_WINDOW_MARGIN : options.windowMargin;
  const channelWindows = margin !== null && options.channelWindows !== false ? channelWindowsOf(stats, margin) : null;
  const choice = chooseTicks(compiled.net, target, x, n, reference, {
    ticks: options.ticks, agreement: options.agreement, onProgress: options.onProgress, activationMeans: stats.means, weightTerms: options.weightTerms, mixedSign: options.mixedSign, windowMargin: options.windowMargin, channelWindows,
  });
  const oneClass = options.ticks === undefined ? dominantClass(reference, n) : null;
  if (oneClass && oneClass.share >= ONE_CLASS_SHARE)
    choice.lowered.hw.notes.push(
      `tick search: the ANN predicts class ${oneClass.cls} for ${(100 * oneClass.share).toFixed(1)} % of the ${n} calibration samples, so agreement with it cannot tell tick budgets apart ` +
        `(an untrained model, or calibration data unlike its inputs): ${choice.ticks} ticks per window says little about the precision a trained model needs; pass --ticks`,
    );
  const top = topTickActivations(compiled.net, choice.lowered.lowering.timing!, x, choice.evaluation.samples);
  if (top && top.topTick > 0)
    choice.lowered.hw.notes.push(
      `time: b1 neurons do not encode the top tick of their window (their firing phase opens a tick after it): on the ${choice.evaluation.samples} calibration samples of the cycle evaluation, ` +
        `${top.topTick.toLocaleString("en-US")} of ${top.positive.toLocaleString("en-US")} positive hidden activations fell in it and fire one tick low`,
    );
  const fewSamples = options.ticks === undefined ? tickSearchSampleNote(choice) : null;
  if (fewSamples) choice.lowered.hw.notes.push(fewSamples);
  // Said once, for the budget chosen: channels the tick grid cannot resolve (src/hw/resolution.ts).
  const subTick = subTickNote(subTickChannels(compiled.net, choice.lowered.lowering.timing!, stats.channelMax), choice.ticks);
  if (subTick) choice.lowered.hw.notes.push(subTick);
  compiled.report.hardware = buildHardwareReport(compiled.net, choice.lowered.hw, choice.lowered.lowering, choice.evaluation, choice.curve, choice.goal, choice.reached, options.ticks !== undefined);
  const placement = place(choice.lowered.hw, target, { origins: originsOf(compiled.net) });
  const m = Math.min(n, FIT_SAMPLES);
  compiled.report.fit = buildFitReport(placement, m > 0 ? measureActivity(choice.lowered.hw, target, x, m) : undefined);
  return { target, net: choice.lowered.hw, choice, placement, samples: x.subarray(0, choice.evaluation.samples * size) };
}

/** `spikec compile` without the files: import, canonicalize, calibrate, map. */
export function compile(modelPath: string, calibPath: string, options: CompileOptions = {}): Compiled {
  const ann = importOnnx(modelPath);
  const inputShape = ann.nodes[0]!.shape;
  const { array, count } = loadSamples(calibPath, inputShape);
  return compileGraph(ann, array, count, calibPath, options);
}

export { product };
