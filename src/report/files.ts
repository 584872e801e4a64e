/**
 * The report on disk: DIR/report.json (CompileReport, compact), DIR/report-data.json (the rest of ReportData) and
 * DIR/report.html (drawn from both). `spikec report DIR` redraws the HTML from the two JSON files.
 */
import { readRegularFile } from "../io/regular-file.js";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic.js";
import { sha256 } from "../util/sha256.js";
import { InputError } from "../util/errors.js";
import { compileSchema, validateOrThrow } from "../util/schema.js";
import { REPORT_DATA_FORMAT, type ReportData, type StoredReportData } from "./data.js";
import { renderReportHtml } from "./html/render.js";
import type { CompileReport } from "./report.js";

export const REPORT_FILE = "report.json";
export const REPORT_DATA_FILE = "report-data.json";
export const REPORT_HTML_FILE = "report.html";

/**
 * Writes the report folder's files: report.json (`data.report`), report-data.json (and report.html unless html is
 * false); returns the paths written. report-data.json records the SHA-256 of report.json's content (compact JSON of
 * `data.report`), so that a folder left with the two files of different runs (an interrupted or concurrent write) is
 * refused by loadReportData.
 */
export function writeReportData(dir: string, data: ReportData, options: { html?: boolean } = {}): string[] {
  const { report, ...rest } = data;
  const stored: StoredReportData = { ...rest, reportSha256: reportDigest(report) };
  const written = [join(dir, REPORT_FILE), join(dir, REPORT_DATA_FILE)];
  writeFileAtomic(written[0]!, JSON.stringify(report, null, 1) + "\n");
  writeFileAtomic(written[1]!, JSON.stringify(stored) + "\n");
  if (options.html !== false) {
    written.push(join(dir, REPORT_HTML_FILE));
    writeFileAtomic(written[2]!, renderReportHtml(data));
  }
  return written;
}

/**
 * The report's digest, independent of how report.json is laid out: compact JSON of the parsed object with every
 * object's keys sorted (re-indenting or re-saving with sorted keys, as `jq -S` does, changes nothing).
 */
const reportDigest = (report: unknown): string => sha256(JSON.stringify(report, (_k, v: unknown) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v)));
/** The digest report-data.json files written before keys were sorted hold: compact JSON in the file's key order. */
const legacyDigest = (report: unknown): string => sha256(JSON.stringify(report));

function readJson(path: string, what: string): unknown {
  if (!existsSync(path)) throw new InputError(`${path} does not exist`, `pass the output folder of \`spikec compile\` (it holds ${what}), or compile again`);
  try {
    return JSON.parse(readRegularFile(path, "utf8"));
  } catch (e) {
    throw new InputError(`${path} is not valid JSON (${(e as Error).message})`, "compile again to rewrite it");
  }
}

/** Reads DIR/report.json and DIR/report-data.json back into ReportData. */
export function loadReportData(dir: string): ReportData {
  const report = readJson(join(dir, REPORT_FILE), REPORT_FILE) as CompileReport;
  if (report?.format !== "spikec.report") throw new InputError(`${join(dir, REPORT_FILE)} is not a spikec report (format '${String(report?.format)}')`, "compile again to rewrite it");
  const stored = readJson(join(dir, REPORT_DATA_FILE), REPORT_DATA_FILE) as StoredReportData;
  if (stored?.format !== REPORT_DATA_FORMAT) {
    throw new InputError(`${join(dir, REPORT_DATA_FILE)} is not spikec report data (format '${String(stored?.format)}')`, "compile again to rewrite it");
  }
  if (report.version !== 1) throw new InputError(`${join(dir, REPORT_FILE)} has version ${String(report.version)}; this spikec reads version 1`, "compile again to rewrite it");
  if (stored.version !== 1) throw new InputError(`${join(dir, REPORT_DATA_FILE)} has version ${String(stored.version)}; this spikec reads version 1`, "compile again to rewrite it");
  // Every field as spikec writes it (an audit's edited report, with −5 neurons, was drawn).
  validateOrThrow(compileSchema("report.schema.json"), report, join(dir, REPORT_FILE), "compile again (or spikec verify -o) to rewrite it");
  validateOrThrow(compileSchema("report-data.schema.json"), stored, join(dir, REPORT_DATA_FILE), "compile again (or spikec verify -o) to rewrite it");
  if (stored.reportSha256 !== undefined && stored.reportSha256 !== reportDigest(report) && stored.reportSha256 !== legacyDigest(report))
    throw new InputError(
      `${join(dir, REPORT_DATA_FILE)} belongs to another ${REPORT_FILE} than the one in ${dir} (SHA-256 differs): the folder holds files of two different runs (an interrupted or concurrent write)`,
      "compile again (or spikec verify -o) to rewrite both",
    );
  return { ...stored, report };
}

