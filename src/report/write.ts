/**
 * What `spikec compile` and `spikec verify` call to leave the HTML report beside report.json: pick the sample inputs
 * (--report-input, else the first calibration samples), build ReportData, write report-data.json and report.html.
 */
import { loadSamples, type Compiled } from "../compile.js";
import { readNpy } from "../io/npy.js";
import { InputError } from "../util/errors.js";
import { buildReportData, REPORT_SAMPLES, verificationOf } from "./collect.js";
import type { ReportData, VerificationSummary } from "./data.js";
import { writeReportData } from "./files.js";
import type { VerifyResult } from "../verify/verify.js";

export interface ReportSampleOptions {
  /** Inputs to draw (.npy); default: the calibration file. */
  input: string;
  /** Labels of those inputs (.npy), optional. */
  labels?: string;
  /** Which sample the raster shows. */
  sample?: number;
}

/** Loads up to REPORT_SAMPLES inputs (and labels) for the report; the raster sample must be among them. */
export function loadReportSamples(compiled: Compiled, o: ReportSampleOptions) {
  const shape = compiled.ann.nodes[0]!.shape;
  const { array, count } = loadSamples(o.input, shape);
  const sample = o.sample ?? 0;
  if (!Number.isInteger(sample) || sample < 0 || sample >= Math.min(count, REPORT_SAMPLES)) {
    throw new InputError(
      `--report-sample ${sample} is not a sample of ${o.input} the report draws (it draws samples 0..${Math.min(count, REPORT_SAMPLES) - 1})`,
      `pick a sample index below ${Math.min(count, REPORT_SAMPLES)}`,
    );
  }
  let labels: Float64Array | undefined;
  if (o.labels) {
    const l = readNpy(o.labels);
    if (l.data.length < Math.min(count, REPORT_SAMPLES)) throw new InputError(`${o.labels} has ${l.data.length} labels for ${count} inputs in ${o.input}`, "pass the labels that go with the inputs");
    labels = l.data;
  }
  return { x: array.data, n: count, source: o.input, labels, rasterSample: sample };
}

/** Simulates the report's samples and builds ReportData (before any file is written, so bad options write nothing). */
export function collectReport(compiled: Compiled, o: ReportSampleOptions & { verified?: VerifyResult }): ReportData {
  return buildReportData(compiled, loadReportSamples(compiled, o), o.verified);
}

export { writeReportData };

/**
 * `spikec verify -o DIR`: report.json with the verification summary, report-data.json and report.html drawn from
 * the verify run (its logits and time errors; the raster and histograms from its first inputs).
 */
export function writeVerifyReport(
  dir: string,
  compiled: Compiled,
  result: VerifyResult,
  o: ReportSampleOptions & {
    html?: boolean;
    /** The file verify checked (the result's logits belong to it); o.input is the one the report draws. */
    verified: string;
    /** The chip's and onnxruntime's comparisons on the same inputs. */
    extras?: Pick<VerificationSummary, "chip" | "onnxruntime">;
  },
): string[] {
  const samples = loadReportSamples(compiled, o);
  const data = buildReportData(compiled, samples, o.input === o.verified ? result : undefined);
  const verification = { ...verificationOf(result, o.verified), ...o.extras };
  return writeReportData(dir, { ...data, report: { ...compiled.report, verification }, verification }, { html: o.html });
}
