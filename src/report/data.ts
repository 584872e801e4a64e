/**
 * ReportData: everything report.html draws, as plain JSON-able data. report.json stays compact (layers, totals,
 * notes); the sampled data the pictures need (one input's spike times, spike-time histograms, logits of a few
 * inputs) lives in report-data.json beside it, so `spikec report DIR` can redraw the page without recompiling.
 *
 * Every section except `report` and `network` is optional: a panel is drawn when its section exists. Hardware
 * lowering fills `quantization` and `cycle`, placement fills `fit`; their shapes are fixed here so that the panels
 * (and their tests, on synthetic data) exist before the code that produces the data.
 */
import type { CompileReport } from "./report.js";
import type { LayerCheck } from "../verify/verify.js";

export const REPORT_DATA_FORMAT = "spikec.report-data" as const;

/** One population as the network diagram draws it. */
export interface DiagramPopulation {
  id: string;
  kind: "input" | "spiking" | "gate" | "readout";
  shape: number[];
  neurons: number;
  /** Firing window (readout: tMin = tMax = read time). */
  window: { tMin: number; tMax: number };
  /** Integration window [t0, t1] (spiking and readout populations). */
  inputWindow: { tMin: number; tMax: number } | null;
}

/** One projection: source → target, with its kind and delay (input windows). Skip paths have delay > 0. */
export interface DiagramEdge {
  source: string;
  target: string;
  kind: string;
  delay: number;
}

/**
 * Spike times of one input, per population. Times are input windows, rounded to 6 significant digits (plenty for a
 * picture, and it keeps the file small). A neuron that does not spike is left out of `neuron`/`time`.
 */
export interface RasterPopulation {
  id: string;
  neurons: number;
  window: { tMin: number; tMax: number };
  /** Neuron index (flat, C order) and spike time, sorted by neuron. */
  neuron: number[];
  time: number[];
}

export interface RasterSection {
  /** Where the input came from (file and sample index), in words. */
  source: string;
  sample: number;
  /** Class label of the sample when known. */
  label: number | null;
  /** SNN output class for this sample. */
  predicted: number;
  populations: RasterPopulation[];
}

/**
 * Spike-time histogram of one population over `samples` inputs: `counts[k]` spikes fell in
 * [edges[k], edges[k+1]). Spikes before the window are `early`, neurons without a spike `silent`.
 */
export interface HistogramPopulation {
  id: string;
  window: { tMin: number; tMax: number };
  edges: number[];
  counts: number[];
  early: number;
  silent: number;
  /** Spikes exactly at t_max (activation 0; the α model's forced spikes). */
  atTMax: number;
  neurons: number;
}

export interface HistogramSection {
  source: string;
  samples: number;
  populations: HistogramPopulation[];
}

/** ANN vs SNN readout values of a few inputs: logits[s·classes + c]. */
export interface LogitSection {
  source: string;
  samples: number;
  classes: number;
  ann: number[];
  snn: number[];
  /** Over these samples: argmax agreement (0..1), max |Δ| and max |ANN logit|. */
  agreement: number;
  maxAbsDelta: number;
  maxAbsReference: number;
}

/** Per population: how far the SNN's spike times are from t_max − x of the rescaled ANN (the exact mapping's claim). */
export type TimeErrorRow = LayerCheck;

export interface TimeErrorSection {
  source: string;
  samples: number;
  rows: TimeErrorRow[];
}

/**
 * Hardware arithmetic vs exact simulation (filled by hardware lowering): per population, the spike-time error of the
 * cycle simulator (ticks converted back to input windows) against the exact simulator, over `samples` inputs.
 */
export interface QuantizationRow {
  population: string;
  /** Max and mean |t_cycle − t_exact| in input windows. */
  maxError: number;
  meanError: number;
  /** The same errors in the population's own ticks (each neuron's tick: its window / ticks per window). */
  maxTicks: number;
  meanTicks: number;
  /** Neurons (× samples) that spiked in the exact simulation but not on the chip, and the other way round. */
  missing: number;
  extra: number;
  /** Compared spikes. */
  spikes: number;
  /**
   * Of those, the ones whose exact activation lies above the chip's window (clipped there: their error is the clip,
   * not the tick grid's rounding), and the largest error in own ticks over the others. Absent in older reports.
   */
  clipped?: number;
  maxTicksInWindow?: number;
}

export interface QuantizationSection {
  target: string;
  /** Length of one tick of the input population in input windows (hidden layers have their own: see rows). */
  tickWindows: number;
  samples: number;
  rows: QuantizationRow[];
  /** Cycle vs exact readout: argmax agreement (0..1) and max |Δlogit|. */
  agreement: number;
  maxAbsDelta: number;
}

/**
 * Spike times of the raster's input from the cycle simulator (filled by hardware lowering), converted to input
 * windows; drawn over the exact raster.
 */
export interface CycleSection {
  target: string;
  tickWindows: number;
  populations: { id: string; neuron: number[]; time: number[] }[];
}

/** One core's use of each budget (filled by placement). `used[r]` and `capacity[r]` follow FitSection.resources. */
export interface CoreUse {
  core: number;
  /** Populations (or slices of them) placed on this core. */
  populations: string[];
  used: number[];
}

export interface FitSection {
  target: string;
  /** Resource names, e.g. "neurons", "input axons", "output axons", "synapse memory". */
  resources: string[];
  /** Capacity per resource, same order. */
  capacity: number[];
  /** The resource that limits the placement (the fullest, or the one that failed). */
  binding: string;
  fits: boolean;
  cores: CoreUse[];
  /** Cores the target has (for "N of M cores used"). */
  coresAvailable: number;
}

/** One approximation or adjustment and its measured effect (words); the notes table draws these. */
export interface Approximation {
  stage: string;
  what: string;
  effect: string;
}

export interface ReportData {
  format: typeof REPORT_DATA_FORMAT;
  version: 1;
  report: CompileReport;
  network: { populations: DiagramPopulation[]; edges: DiagramEdge[] };
  raster?: RasterSection;
  histograms?: HistogramSection;
  logits?: LogitSection;
  timeErrors?: TimeErrorSection;
  /** verify: the whole run's agreement (the logit section holds only the first samples). */
  verification?: VerificationSummary;
  quantization?: QuantizationSection;
  cycle?: CycleSection;
  fit?: FitSection;
  approximations?: Approximation[];
}

export interface VerificationSummary {
  source: string;
  samples: number;
  agreement: number;
  maxAbsDelta: number;
  maxAbsReference: number;
  annAccuracy: number | null;
  snnAccuracy: number | null;
  spikesPerNeuron: number;
  matches: boolean;
  /** What was compared on the ANN side, in words (the model output, or the input of a final Softmax: logits). */
  compared?: string;
  /** verify --target: the chip's cycle simulation on the same inputs, against the ANN (absent without --target). */
  chip?: ChipVerification;
  /** The ANN executor against onnxruntime on the same inputs, or why it was not compared (absent: --no-onnxruntime). */
  onnxruntime?: { inputType: string; agreement: number; maxAbsDelta: number; agrees: boolean } | { skipped: string };
}

/** What verify --target measured of the lowered network on the verify inputs (the text output's cycle lines). */
export interface ChipVerification {
  target: string;
  ticksPerWindow: number;
  latencyTicks: number;
  /** argmax agreement of the cycle simulation with the ANN, and the goal it is judged by (--agreement). */
  agreement: number;
  goal: number;
  reachesGoal: boolean;
  maxAbsDelta: number;
  accuracy: number | null;
  spikesPerNeuron: number;
  registerEvents: { q: number; u: number; vmax: number; vmin: number };
  /** Hidden activations above their chip window (clipped there), and of those the ones above the calibrated window. */
  aboveChipWindow: number;
  aboveCalibratedWindow: number;
}

/** The part of ReportData stored in report-data.json (report.json holds `report`). */
export type StoredReportData = Omit<ReportData, "report"> & {
  /** SHA-256 of the report.json that goes with it (compact JSON of its content); absent in older files. */
  reportSha256?: string;
};
