/** `spikec report DIR`: redraw DIR/report.html from DIR/report.json and DIR/report-data.json. */
import { join } from "node:path";
import type { CommandModule } from "yargs";
import { writeFileAtomic } from "../../io/atomic.js";
import { loadReportData, REPORT_DATA_FILE, REPORT_FILE, REPORT_HTML_FILE } from "../../report/files.js";
import { renderReportHtml } from "../../report/html/render.js";
import { checkOutputPath, refuseOverwrite } from "../options.js";
import { refuseFolderFile, requireExtension } from "../output-guard.js";

interface ReportCommandArgs {
  dir: string;
  output?: string;
  json: boolean;
}

export const reportCommand: CommandModule<object, ReportCommandArgs> = {
  command: "report <dir>",
  describe: "Redraw the HTML report of a compiled network from its report.json and report-data.json",
  builder: (y) =>
    y
      .positional("dir", { type: "string", demandOption: true, describe: "Output folder of spikec compile (or spikec verify -o)" })
      .option("output", { alias: "o", type: "string", describe: "Where to write the HTML (default: DIR/report.html)" })
      .option("json", { type: "boolean", default: false, describe: "Print a JSON summary" })
      .example("$0 report out/lenet5", "rewrites out/lenet5/report.html"),
  handler: (args) => {
    const path = args.output ?? join(args.dir, REPORT_HTML_FILE);
    checkOutputPath("--output", path);
    refuseOverwrite(path, [join(args.dir, REPORT_FILE), join(args.dir, REPORT_DATA_FILE)]);
    requireExtension("--output", path, [".html", ".htm"], "an HTML page");
    refuseFolderFile("--output", path, args.dir, REPORT_HTML_FILE);
    const data = loadReportData(args.dir);
    // Both files follow their schemas (loadReportData), so the page draws them as written.
    const html = renderReportHtml(data);
    writeFileAtomic(path, html);
    const bytes = Buffer.byteLength(html, "utf8");
    if (args.json) process.stdout.write(JSON.stringify({ output: path, bytes }) + "\n");
    else process.stdout.write(`wrote ${path} (${bytes.toLocaleString("en-US")} bytes)\n`);
  },
};
