/**
 * Builds ReportData from a compiled network and a few sample inputs: runs the exact simulator once more on them (the
 * compile itself keeps no spike times) and condenses the result into what the pictures need.
 */
import { product } from "../ann/graph.js";
import type { Compiled } from "../compile.js";
import type { Population, SnnNetwork } from "../snn/network.js";
import { prepareNetwork } from "../sim/exact/prepare.js";
import { simulateExact } from "../sim/exact/simulate.js";
import { argmaxRows } from "../verify/compare.js";
import { verifyCompiled, type VerifyResult } from "../verify/verify.js";
import { hardwareReportSections } from "../hw/report-data.js";
import { fitSectionOf } from "../place/fit-report.js";
import { hardwareApproximations } from "./approximations.js";
import {
  REPORT_DATA_FORMAT,
  type DiagramEdge,
  type DiagramPopulation,
  type HistogramPopulation,
  type HistogramSection,
  type LogitSection,
  type RasterSection,
  type ReportData,
  type TimeErrorSection,
  type VerificationSummary,
} from "./data.js";

/** Samples the report draws: raw inputs [n, …input shape] and where they came from. */
export interface ReportSamples {
  x: Float64Array;
  n: number;
  /** File name (for captions). */
  source: string;
  labels?: Float64Array;
  /** Index (within x) of the sample the raster shows (default 0). */
  rasterSample?: number;
}

/** At most this many samples feed the histograms and the scatter of a compile report (they cost a simulation). */
export const REPORT_SAMPLES = 64;
/** Histogram bins per firing window. */
const BINS = 40;

/** Six significant digits: enough for any picture, and stable text. */
export function round6(x: number): number {
  return x === 0 || !Number.isFinite(x) ? x : Number(x.toPrecision(6));
}

export function diagramOf(net: SnnNetwork): ReportData["network"] {
  const populations: DiagramPopulation[] = net.populations.map((p) => ({
    id: p.id,
    kind: p.kind,
    shape: [...p.shape],
    neurons: product(p.shape),
    window: { ...p.window },
    inputWindow: p.kind === "spiking" || p.kind === "readout" ? { ...p.inputWindow } : null,
  }));
  const edges: DiagramEdge[] = net.populations.flatMap((p: Population): DiagramEdge[] => {
    if (p.kind === "input") return [];
    if (p.kind === "gate") return [{ source: p.projection.source, target: p.id, kind: "maxpool", delay: p.projection.delay }];
    return p.projections.map((q) => ({ source: q.source, target: p.id, kind: q.kind, delay: q.delay }));
  });
  return { populations, edges };
}

function histogramOf(pop: Population, times: Float64Array, samples: number): HistogramPopulation {
  const { tMin, tMax } = pop.window;
  const width = tMax - tMin;
  const edges = Array.from({ length: BINS + 1 }, (_, k) => round6(tMin + (width * k) / BINS));
  const counts = new Array<number>(BINS).fill(0);
  let early = 0;
  let silent = 0;
  let atTMax = 0;
  for (const t of times) {
    if (!Number.isFinite(t)) silent++;
    else if (t < tMin - 1e-12 * Math.max(1, Math.abs(tMin))) early++;
    else {
      if (t >= tMax) atTMax++;
      const k = width > 0 ? Math.min(BINS - 1, Math.max(0, Math.floor(((t - tMin) / width) * BINS))) : 0;
      counts[k]!++;
    }
  }
  return { id: pop.id, window: { ...pop.window }, edges, counts, early, silent, atTMax, neurons: product(pop.shape) * samples };
}

/** Spike times of sample `s` of every kept population. */
function rasterOf(net: SnnNetwork, times: Map<string, Float64Array>, s: number): RasterSection["populations"] {
  return net.populations
    .filter((p) => p.kind !== "readout")
    .map((p) => {
      const size = product(p.shape);
      const t = times.get(p.id)!.subarray(s * size, (s + 1) * size);
      const neuron: number[] = [];
      const time: number[] = [];
      t.forEach((v, i) => {
        if (Number.isFinite(v)) {
          neuron.push(i);
          time.push(round6(v));
        }
      });
      return { id: p.id, neurons: size, window: { ...p.window }, neuron, time };
    });
}

export function timeErrorsOf(result: VerifyResult, source: string): TimeErrorSection {
  return {
    source,
    samples: result.samples,
    rows: result.layers.map((l) => ({ ...l })),
  };
}

export function logitsOf(result: VerifyResult, source: string, maxSamples = REPORT_SAMPLES): LogitSection {
  const n = Math.min(result.samples, maxSamples);
  const classes = result.samples ? result.annLogits.length / result.samples : 0;
  const ann = Array.from(result.annLogits.subarray(0, n * classes), round6);
  const snn = Array.from(result.snnLogits.subarray(0, n * classes), round6);
  const a = argmaxRows(result.annLogits.subarray(0, n * classes), n);
  const b = argmaxRows(result.snnLogits.subarray(0, n * classes), n);
  let agreeing = 0;
  let maxAbsDelta = 0;
  let maxAbsReference = 0;
  for (let i = 0; i < n; i++) if (a[i] === b[i]) agreeing++;
  for (let i = 0; i < n * classes; i++) {
    maxAbsDelta = Math.max(maxAbsDelta, Math.abs(result.annLogits[i]! - result.snnLogits[i]!));
    maxAbsReference = Math.max(maxAbsReference, Math.abs(result.annLogits[i]!));
  }
  return { source, samples: n, classes, ann, snn, agreement: n ? agreeing / n : 1, maxAbsDelta, maxAbsReference };
}

export function verificationOf(result: VerifyResult, source: string): VerificationSummary {
  return {
    source,
    samples: result.samples,
    agreement: result.snnVsAnn.agreement,
    maxAbsDelta: result.snnVsAnn.maxAbsDelta,
    maxAbsReference: result.snnVsAnn.maxAbsReference,
    annAccuracy: result.annAccuracy,
    snnAccuracy: result.snnAccuracy,
    spikesPerNeuron: result.spikesPerNeuron,
    matches: result.matches,
    compared: result.compared,
  };
}

/**
 * The report's pictures for `compiled` on `samples` (the first REPORT_SAMPLES of them), plus the Cores panel (`fit`)
 * when the network was placed on a target. Pass `verified` when the
 * caller already ran verifyCompiled on the samples (spikec verify) to skip running it again; then the logit scatter
 * and time-error table cover the verify run and `verification` summarizes it.
 */
export function buildReportData(compiled: Compiled, samples: ReportSamples, verified?: VerifyResult): ReportData {
  const { net } = compiled;
  const size = product(net.populations[0]!.shape);
  const n = Math.min(samples.n, REPORT_SAMPLES);
  const x = samples.x.subarray(0, n * size);
  const s = Math.max(0, Math.min(n - 1, samples.rasterSample ?? 0));
  const result = verified ?? verifyCompiled(compiled, x, n, samples.labels?.subarray(0, n));
  const sim = simulateExact(net, x, n, { prepared: prepareNetwork(net), keep: () => true });
  const histograms: HistogramSection = {
    source: samples.source,
    samples: n,
    populations: net.populations.filter((p) => p.kind === "spiking" || p.kind === "gate").map((p) => histogramOf(p, sim.times.get(p.id)!, n)),
  };
  const classes = sim.logits.length / n;
  const raster: RasterSection = {
    source: samples.source,
    sample: s,
    label: samples.labels && s < samples.labels.length ? samples.labels[s]! : null,
    predicted: argmaxRows(sim.logits.subarray(s * classes, (s + 1) * classes), 1)[0]!,
    populations: rasterOf(net, sim.times, s),
  };
  const data: ReportData = {
    format: REPORT_DATA_FORMAT,
    version: 1,
    report: compiled.report,
    network: diagramOf(net),
    raster,
    histograms,
    logits: logitsOf(result, samples.source),
    timeErrors: timeErrorsOf(result, samples.source),
  };
  if (verified) data.verification = verificationOf(verified, samples.source);
  // Lowered to a chip: the cycle simulator on the same samples (quantization panel, cycle spikes over the raster).
  if (compiled.hw) Object.assign(data, hardwareReportSections(net, compiled.hw.net, compiled.hw.target, compiled.hw.choice.lowered.lowering.timing!, x, n, sim, s));
  // Placed on the target's cores: the Cores panel, for every command that writes a report (compile and verify).
  if (compiled.report.fit) data.fit = fitSectionOf(compiled.report.fit);
  const approximations = hardwareApproximations(compiled, data.quantization);
  if (approximations.length > 0) data.approximations = approximations;
  return data;
}
