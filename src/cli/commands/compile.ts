/** `spikec compile MODEL.onnx --calib X.npy [-o DIR]`: ONNX → exact single-spike SNN, with its report. */
import { basename, join } from "node:path";
import type { CommandModule } from "yargs";
import { compile } from "../../compile.js";
import { writeFileAtomic } from "../../io/atomic.js";
import { saveNetwork } from "../../snn/serialize.js";
import { compileOptionsFrom, hardwareOptions, mappingOptions, refuseOverwrite, type HardwareArgs, type MappingArgs } from "../options.js";
import { saveHwNetwork } from "../../hw/serialize.js";
import { progressFor } from "../progress.js";
import { printCompileReport } from "../print-report.js";
import { printHardware } from "../print-hardware.js";
import { reportOptions, type ReportArgs } from "../report-options.js";
import { collectReport, writeReportData } from "../../report/write.js";
import { EMIT_FORMATS, emitAll } from "../emit.js";
import { fitSectionOf } from "../../place/fit-report.js";
import { printFit } from "../print-fit.js";

interface CompileArgs extends MappingArgs, ReportArgs, HardwareArgs {
  model: string;
  calib: string;
  out?: string;
  json: boolean;
  emit: string[];
}

export const compileCommand: CommandModule<object, CompileArgs> = {
  command: "compile <model>",
  describe: "Compile a trained ReLU network (ONNX) into an exact single-spike SNN",
  builder: (y) =>
    hardwareOptions(reportOptions(mappingOptions(
      y
        .positional("model", { type: "string", demandOption: true, describe: "The trained model (.onnx)" })
        .option("calib", { type: "string", demandOption: true, describe: "Representative inputs (.npy, [N, …input shape]) for the per-layer maxima" })
        .option("out", { alias: "o", type: "string", describe: "Output folder (default: MODEL-snn beside the current folder)" })
        .option("json", { type: "boolean", default: false, describe: "Print only the report as JSON" })
        .option("emit", { type: "string", array: true, choices: EMIT_FORMATS, default: [] as string[], describe: "Also write these formats into the output folder (nir: model.nir; lava: lava/network.py + arrays, needs --target loihi2)" }),
    ))).example("$0 compile lenet5.onnx --calib calib.npy --target loihi2 -o out/lenet5", "also lowers to Loihi 2: writes out/lenet5/hw.json and the report's hardware section")
      .example("$0 compile lenet5.onnx --calib calib.npy -o out/lenet5", "writes out/lenet5/network.json, network.bin, report.json and report.html"),
  handler: async (args) => {
    const dir = args.out ?? `${basename(args.model).replace(/\.onnx$/i, "")}-snn`;
    const progress = progressFor(args.json);
    const compiled = compile(args.model, args.calib, compileOptionsFrom(args, (stage, done, total) => progress.update(stage, done, total)));
    // The HTML report's pictures: a few inputs simulated once more (written as report-data.json and report.html).
    const reportData = collectReport(compiled, { input: args["report-input"] ?? args.calib, sample: args["report-sample"] });
    if (compiled.report.fit) reportData.fit = fitSectionOf(compiled.report.fit);
    progress.done();
    const files = [join(dir, "network.json"), join(dir, "network.bin"), join(dir, "report.json")];
    for (const f of files) refuseOverwrite(f, [args.model, args.calib]);
    saveNetwork(dir, compiled.net);
    if (compiled.hw) {
      for (const f of [join(dir, "hw.json"), join(dir, "hw.bin")]) refuseOverwrite(f, [args.model, args.calib]);
      files.push(saveHwNetwork(dir, compiled.hw.net));
    }
    writeFileAtomic(join(dir, "report.json"), JSON.stringify(compiled.report, null, 1) + "\n");
    files.push(...writeReportData(dir, reportData, { html: args.html }));
    files.push(...(await emitAll(args.emit, dir, compiled)));
    if (args.json) {
      process.stdout.write(JSON.stringify(compiled.report, null, 1) + "\n");
      return;
    }
    printCompileReport(compiled.report);
    if (compiled.report.hardware) printHardware(compiled.report.hardware);
    if (compiled.report.fit) printFit(compiled.report.fit);
    process.stdout.write(`\nwrote ${files.join(", ")}\n`);
  },
};
