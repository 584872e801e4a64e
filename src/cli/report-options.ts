/** The options that control the HTML report, shared by `spikec compile` and `spikec verify`. */
import type { Argv } from "yargs";

export interface ReportArgs {
  html: boolean;
  "report-input"?: string;
  "report-sample": number;
}

/** `drawnByDefault`: what the report draws without --report-input (compile: the calibration data; verify: --input). */
export function reportOptions<T>(y: Argv<T>, drawnByDefault: string): Argv<T & ReportArgs> {
  return y
    .option("html", { type: "boolean", default: true, describe: "Write report.html beside report.json (--no-html to skip)" })
    .option("report-input", { type: "string", describe: `Inputs the report draws (.npy; default: ${drawnByDefault}). Up to 64 are simulated` })
    .option("report-sample", { type: "number", default: 0, describe: "Which of those inputs the spike raster shows" }) as Argv<T & ReportArgs>;
}
