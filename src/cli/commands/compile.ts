/** `spikec compile MODEL.onnx --calib X.npy [-o DIR]`: ONNX → exact single-spike SNN, with its report. */
import { basename, join, relative } from "node:path";
import type { CommandModule } from "yargs";
import { compile } from "../../compile.js";
import { NETWORK_FILE, saveNetworkFiles } from "../../snn/serialize.js";
import { checkOutputDir, checkOutputPath, compileOptionsFrom, hardwareOptions, isIn, mappingOptions, refuseOverwrite, targetFile, type HardwareArgs, type MappingArgs } from "../options.js";
import { HW_FILE, removeStaleHw, saveHwNetwork } from "../../hw/serialize.js";
import { progressFor } from "../progress.js";
import { printCompileReport } from "../print-report.js";
import { printHardware } from "../print-hardware.js";
import { reportOptions, type ReportArgs } from "../report-options.js";
import { collectReport, writeReportData } from "../../report/write.js";
import { REPORT_DATA_FILE, REPORT_FILE, REPORT_HTML_FILE } from "../../report/files.js";
import { LAVA_DIR } from "../../backends/lava/emit.js";
import { CORES_FILE } from "../../backends/loihi/files.js";
import { InputError } from "../../util/errors.js";
import { EMIT_FORMATS, emitAll, planEmits, requireLowered, staleOutputs } from "../emit.js";
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
        .option("out", { alias: "o", type: "string", describe: "Output folder (default: MODEL-snn in the current folder)" })
        .option("json", { type: "boolean", default: false, describe: "Print only the report as JSON" })
        .option("emit", { type: "string", array: true, choices: EMIT_FORMATS, default: [] as string[], coerce: (v: string[]) => v.flatMap((s) => s.split(",").filter(Boolean)), describe: "Also write these formats into the output folder, space- or comma-separated (nir: model.nir; lava: lava/network.py + arrays, needs --target loihi2; loihi: loihi/cores.json + .bin, the per-core configuration, needs --target)" }),
    ), "the calibration data")).example("$0 compile lenet5.onnx --calib calib.npy --target loihi2 -o out/lenet5", "also lowers to Loihi 2: writes out/lenet5/hw.json and the report's hardware section")
      .example("$0 compile lenet5.onnx --calib calib.npy -o out/lenet5", "writes out/lenet5/network.json, network.bin, report.json and report.html"),
  handler: async (args) => {
    const dir = args.out ?? `${basename(args.model).replace(/\.onnx$/i, "")}-snn`;
    const progress = progressFor(args.json);
    // Options and output paths first: a mistake costs no compile and leaves no half-written folder.
    const options = compileOptionsFrom(args, (stage, done, total) => progress.update(stage, done, total));
    requireLowered(args.emit, args.target !== undefined);
    checkOutputs(dir, args);
    const compiled = compile(args.model, args.calib, options);
    // The HTML report's pictures: a few inputs simulated once more (written as report-data.json and report.html).
    const reportData = collectReport(compiled, { input: args["report-input"] ?? args.calib, sample: args["report-sample"] });
    // What --emit would refuse for this network (what NIR or Lava cannot express, a network that does not fit), before any file.
    const emits = planEmits(args.emit, compiled);
    progress.done();
    const network = saveNetworkFiles(dir, compiled.net);
    const files = [network.path, join(dir, "network.bin")];
    // hw.json names the network.json it belongs to: a folder left with two runs' files is refused on reading.
    if (compiled.hw) files.push(saveHwNetwork(dir, { ...compiled.hw.net, networkSha256: network.sha256 }), join(dir, "hw.bin"));
    // No lowering this time: an earlier compile's hw.json in DIR belongs to another network.
    const stale = compiled.hw ? [] : removeStaleHw(dir);
    files.push(...writeReportData(dir, reportData, { html: args.html }));
    files.push(...(await emitAll(emits, dir)));
    const old = staleOutputs(dir, files);
    if (old.length > 0) {
      const names = old.map((f) => relative(dir, f));
      const one = names.length === 1;
      process.stderr.write(
        `note: ${names.join(", ")} in ${dir} ${one ? "comes" : "come"} from an earlier run and ${one ? "describes" : "describe"} another compile (not rewritten by this one): remove ${one ? "it" : "them"}, or ask for ${one ? "it" : "them"} again (--emit, --html)\n`,
      );
    }
    if (args.json) {
      process.stdout.write(JSON.stringify(compiled.report, null, 1) + "\n");
      return;
    }
    printCompileReport(compiled.report);
    if (compiled.report.hardware) {
      const { ms, samples } = compiled.hw!.choice.evaluation;
      printHardware(compiled.report.hardware, ms / Math.max(1, samples));
    }
    if (compiled.report.fit) printFit(compiled.report.fit);
    process.stdout.write(`\nwrote ${files.join(", ")}\n`);
    if (stale.length > 0) process.stdout.write(`removed ${stale.join(", ")}: an earlier compile's lowering, stale without --target\n`);
  },
};

/** Every file compile will write, in DIR: writable, and none of them a file it reads. */
function checkOutputs(dir: string, args: CompileArgs): void {
  const inputs = [args.model, args.calib, args["report-input"], targetFile(args.target)];
  const outputs = [NETWORK_FILE, "network.bin", REPORT_FILE, REPORT_DATA_FILE];
  if (args.html) outputs.push(REPORT_HTML_FILE);
  if (args.target !== undefined) outputs.push(HW_FILE, "hw.bin");
  if (args.emit.includes("nir")) outputs.push("model.nir");
  if (args.emit.includes("loihi")) outputs.push(CORES_FILE, CORES_FILE.replace(/\.json$/, ".bin"));
  checkOutputDir("--out", dir);
  for (const f of outputs) {
    checkOutputPath("--out", join(dir, f));
    refuseOverwrite(join(dir, f), inputs);
  }
  // --emit lava writes network.py and one .npy per array into DIR/lava, names known only after the lowering.
  if (args.emit.includes("lava")) {
    const lava = join(dir, LAVA_DIR);
    for (const i of inputs) {
      if (i !== undefined && isIn(i, lava)) throw new InputError(`the input ${i} is in ${lava}, which --emit lava writes`, "move the input elsewhere or choose another output folder; spikec never overwrites its inputs");
    }
  }
}
