/**
 * `spikec verify MODEL.onnx --calib C.npy --input X.npy [--labels Y.npy]`: compile in memory and check the SNN against
 * the ANN on the inputs. Exit 0 when the SNN matches, 1 when it does not (also when our ANN is not what onnxruntime
 * computes on the original model, and with --target when the cycle simulation's agreement with the ANN is below
 * --agreement), 2 on bad input.
 */
import { readInputFile } from "../../io/regular-file.js";
import type { CommandModule } from "yargs";
import { compile, loadSamples, type Compiled } from "../../compile.js";
import { checkLabelClasses, readLabels } from "../../io/npy.js";
import { OnnxruntimeCannotRun, runOnnxRuntime } from "../../reference/onnxruntime.js";
import { accuracy, compareLogits, withinPrecision } from "../../verify/compare.js";
import { verifyCompiled } from "../../verify/verify.js";
import { annLogitsNode } from "../../ann/logits.js";
import { evaluateCycle } from "../../hw/evaluate.js";
import { InputError } from "../../util/errors.js";
import { checkOutputDir, checkOutputPath, checkInteger, compileOptionsFrom, hardwareOptions, type HardwareArgs, mappingOptions, type MappingArgs, refuseIdle, refuseOverwrite, targetFile } from "../options.js";
import { progressFor } from "../progress.js";
import { formatNumber, table } from "../table.js";
import { reportOptions, type ReportArgs } from "../report-options.js";
import { writeVerifyReport } from "../../report/write.js";
import type { ChipVerification } from "../../report/data.js";
import { REPORT_DATA_FILE, REPORT_FILE, REPORT_HTML_FILE } from "../../report/files.js";
import { readoutOf } from "../../snn/network.js";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { encodeWithSidecar } from "../../io/sidecar.js";
import { sha256 } from "../../util/sha256.js";
import { NETWORK_FILE, networkForDisk } from "../../snn/serialize.js";
import { HW_FILE } from "../../hw/serialize.js";
import { adviceLines, goalAdvice } from "../../hw/goal-advice.js";
import { percent as pct } from "../../util/percent.js";

interface VerifyArgs extends MappingArgs, ReportArgs, HardwareArgs {
  out?: string;
  model: string;
  calib: string;
  input: string;
  labels?: string;
  limit?: number;
  onnxruntime: boolean;
  json: boolean;
}

export const verifyCommand: CommandModule<object, VerifyArgs> = {
  command: "verify <model>",
  describe: "Compile in memory and check that the SNN computes what the ANN computes",
  builder: (y) =>
    hardwareOptions(reportOptions(mappingOptions(
      y
        .positional("model", { type: "string", demandOption: true, describe: "The trained model (.onnx)" })
        .option("calib", { type: "string", demandOption: true, describe: "Calibration inputs (.npy)" })
        .option("input", { type: "string", demandOption: true, describe: "Inputs to check on (.npy, [N, …input shape])" })
        .option("labels", { type: "string", describe: "Class labels of the inputs (.npy, [N]) to report accuracy" })
        .option("limit", { type: "number", describe: "Check only the first N inputs" })
        .option("onnxruntime", { type: "boolean", default: true, describe: "Also compare the ANN with onnxruntime on the original model" })
        .option("json", { type: "boolean", default: false, describe: "Print only JSON (passed and failed: the verdict of the exit code)" })
        .option("out", { alias: "o", type: "string", describe: "Write report.json, report-data.json and report.html (with the verification) to this folder" }),
    ), "the verified --input"))
      .example("$0 verify lenet5.onnx --calib calib.npy --input test_x.npy --labels test_y.npy", "agreement, errors, spikes per neuron")
      .example("$0 verify lenet5.onnx --calib calib.npy --input test_x.npy -o out/lenet5", "also writes out/lenet5/report.html")
      .example("$0 verify lenet5.onnx --calib calib.npy --input test_x.npy --target loihi2", "also the bit-accurate cycle simulation's agreement on Loihi 2"),
  handler: async (args) => {
    const progress = progressFor(args.json);
    // Options, labels and output paths before the compile: a mistake costs nothing and writes nothing.
    const options = compileOptionsFrom(args, (stage, done, total) => progress.update(stage, done, total));
    checkInteger(args, "limit", args.limit, 1);
    refuseIdle(args, ["report-input", "report-sample", "html", "no-html"], args.out !== undefined, "to the report verify writes with -o DIR", "add -o DIR, or leave them out");
    const allLabels = args.labels !== undefined ? readLabels(args.labels) : undefined;
    if (args.out !== undefined) checkOutputs(args.out, args);
    const compiled = compile(args.model, args.calib, options);
    if (args.out !== undefined) refuseOtherCompile(args.out, compiled);
    const inputShape = compiled.ann.nodes[0]!.shape;
    const { array, count: all } = loadSamples(args.input, inputShape);
    const n = args.limit !== undefined ? Math.min(all, args.limit) : all;
    let labels: Float64Array | undefined;
    if (allLabels && args.labels) {
      // One label per input of the file (also with --limit): a longer or shorter file is not that input's labels.
      if (allLabels.length !== all) throw new InputError(`${args.labels} has ${allLabels.length} labels for the ${all} inputs of ${args.input}`, "pass the labels that go with --input (one per input, in its order)");
      // All of them: the report draws labels beyond --limit.
      checkLabelClasses(allLabels, readoutOf(compiled.net).shape.reduce((a, b) => a * b, 1), args.labels);
      labels = allLabels.subarray(0, n);
    }
    const size = inputShape.reduce((a, b) => a * b, 1);
    const x = array.data.subarray(0, n * size);
    const result = verifyCompiled(compiled, x, n, labels, (d, t) => progress.update("verify", d, t));
    const cycle = compiled.hw ? evaluateCycle(compiled.net, compiled.hw.net, compiled.hw.target, x, n, { reference: result.annLogits, onProgress: (d, t) => progress.update("cycle", d, t) }) : null;
    // The chip's numbers on these inputs (report.json's verification.chip), and in --json also whether it fits.
    const chip: ChipVerification | null = cycle && compiled.hw
      ? {
          target: compiled.hw.target.id,
          ticksPerWindow: compiled.hw.choice.ticks,
          latencyTicks: compiled.hw.net.readouts[0]!.tick,
          agreement: cycle.agreement!,
          /** The goal (--agreement) and whether these inputs reach it: verify exits 1 when they do not. */
          goal: compiled.hw.choice.goal,
          reachesGoal: cycle.agreement! >= compiled.hw.choice.goal,
          maxAbsDelta: compareLogits(result.annLogits, cycle.logits, n).maxAbsDelta,
          accuracy: labels ? accuracy(cycle.logits, labels, n) : null,
          spikesPerNeuron: cycle.spikesPerNeuron,
          registerEvents: cycle.overflow,
          /** Hidden activations above their chip window (clipped there), summed over the layers. */
          aboveChipWindow: result.layers.reduce((a, l) => a + (l.aboveChipWindow ?? 0), 0),
          /** Of those, the ones above the window the calibration data chose (b1 leaves its top tick out). */
          aboveCalibratedWindow: result.layers.reduce((a, l) => a + (l.aboveCalibratedWindow ?? 0), 0),
        }
      : null;
    // Whether the network fits the target's cores (spikec fit has the details); verify's exit code is about agreement.
    const cycleDoc = chip && { ...chip, fit: { fits: compiled.report.fit!.fits, verdict: compiled.report.fit!.verdict, problems: compiled.report.fit!.problems.map((p) => p.message) } };
    progress.done();
    let onnxruntime: (ReturnType<typeof compareLogits> & { inputType: string; read: string; tolerance: number; agrees: boolean }) | null = null;
    // Why the reference comparison was not made although asked for (onnxruntime lacks a kernel the model needs).
    let onnxruntimeSkipped: string | null = null;
    if (args.onnxruntime) {
      try {
        const ort = await runOnnxRuntime(args.model, x, n, inputShape);
        const c = compareLogits(ort.output, result.annLogits, n);
        onnxruntime = { ...c, inputType: ort.inputType, read: ort.read, ...withinPrecision(c, ort.inputType) };
      } catch (e) {
        if (!(e instanceof OnnxruntimeCannotRun)) throw e;
        onnxruntimeSkipped = e.reason.split("\n")[0]!;
      }
    }
    if (args.out) {
      // The report carries what this run printed: the chip's cycle lines and the onnxruntime comparison too.
      const ort = onnxruntime ? { inputType: onnxruntime.inputType, agreement: onnxruntime.agreement, maxAbsDelta: onnxruntime.maxAbsDelta, agrees: onnxruntime.agrees } : onnxruntimeSkipped ? { skipped: onnxruntimeSkipped } : undefined;
      const files = writeVerifyReport(args.out, compiled, result, {
        input: args["report-input"] ?? args.input, labels: args["report-input"] ? undefined : args.labels, sample: args["report-sample"], html: args.html, verified: args.input,
        extras: { ...(chip ? { chip } : {}), ...(ort ? { onnxruntime: ort } : {}) },
      });
      if (!args.json) process.stderr.write(`wrote ${files.join(", ")}\n`);
    }
    const { annLogits: _a, snnLogits: _s, ...summary } = result;
    // The verdict the exit code gives, in the JSON too: `matches` is the SNN's alone.
    const failed = [
      ...(result.matches ? [] : ["snn-vs-ann"]),
      ...(cycleDoc && !cycleDoc.reachesGoal ? ["cycle-agreement-goal"] : []),
      ...(onnxruntime && !onnxruntime.agrees ? ["ann-vs-onnxruntime"] : []),
    ];
    const doc = { model: args.model, neuronModel: args.neuron, passed: failed.length === 0, failed, ...summary, annVsOnnxruntime: onnxruntime, onnxruntimeSkipped, cycle: cycleDoc };
    if (args.json) process.stdout.write(JSON.stringify(doc, null, 1) + "\n");
    else {
      const a = result.snnVsAnn;
      const out = (s: string) => process.stdout.write(s);
      out(`${args.model} (${args.neuron}), ${n} inputs\n`);
      out(`agreement (argmax SNN = argmax ANN): ${pct(a.agreement)} (${a.agreeing}/${n})\n`);
      if (cycleDoc) {
        out(
          `cycle agreement on ${cycleDoc.target} (bit-accurate, ${cycleDoc.ticksPerWindow} ticks per window, latency ${cycleDoc.latencyTicks} ticks): ` +
            `${pct(cycleDoc.agreement)} (goal ${pct(cycleDoc.goal)})${cycleDoc.accuracy !== null ? `, accuracy ${pct(cycleDoc.accuracy)}` : ""}, ` +
            `max |Δlogit| vs ANN ${formatNumber(cycleDoc.maxAbsDelta)}, ${cycleDoc.spikesPerNeuron.toFixed(4)} spikes per neuron\n`,
        );
        out(`fit on ${cycleDoc.target}: ${cycleDoc.fit.verdict}${cycleDoc.fit.fits ? "" : ` (spikec fit ${args.model} --calib ${args.calib} --target ${args.target} names the problems)`}\n`);
        const r = cycleDoc.registerEvents;
        if (r.q + r.u + r.vmax + r.vmin > 0) out(`register events on ${cycleDoc.target}: q wrapped ${r.q}, u wrapped ${r.u}, v clipped at vmax ${r.vmax}, at vmin ${r.vmin} (inputs beyond the proven range)\n`);
        if (cycleDoc.aboveChipWindow > 0) {
          const beyond = cycleDoc.aboveCalibratedWindow;
          const topTick = cycleDoc.aboveChipWindow - beyond;
          out(
            `${cycleDoc.aboveChipWindow} hidden activations were above their window on ${cycleDoc.target} and were clipped to it (see the "above ${cycleDoc.target} window" column)` +
              (topTick > 0 ? `; ${topTick} in the top tick of the calibrated window, which b1 neurons do not encode (their firing phase opens a tick after the window)` : "") +
              (beyond > 0 ? `; ${beyond} above the chip window set by the calibration data (its largest activation plus half a tick): calibrate with inputs like these` : "") +
              "\n",
          );
        }
      }
      out(`max |Δlogit| SNN vs ANN: ${formatNumber(a.maxAbsDelta)} (${formatNumber(a.maxAbsDelta / Math.max(a.maxAbsReference, 1e-300))} × max |logit|)\n`);
      if (annLogitsNode(compiled.ann).id !== compiled.ann.output) out(`compared: ${result.compared}\n`);
      if (onnxruntimeSkipped) out(`ANN vs onnxruntime: not compared, onnxruntime cannot run this model (${onnxruntimeSkipped})\n`);
      if (onnxruntime)
        out(
          `ANN (float64) vs onnxruntime (${onnxruntime.inputType} input): agreement ${pct(onnxruntime.agreement)}, max |Δ| ${formatNumber(onnxruntime.maxAbsDelta)}` +
            (onnxruntime.agrees
              ? "\n"
              : ` — NOT what onnxruntime computes (beyond ${onnxruntime.tolerance} × max |logit|, the ${onnxruntime.inputType} rounding): spikec reads this model differently; please report it with the model\n`),
        );
      if (result.annAccuracy !== null) out(`accuracy: ANN ${pct(result.annAccuracy)}, SNN ${pct(result.snnAccuracy!)}\n`);
      out(`spikes per neuron: ${result.spikesPerNeuron.toFixed(4)}; latency ${formatNumber(result.latency)} input windows\n`);
      if (result.clippedInputs) out(`${result.clippedInputs} input values were outside the input range and clipped\n`);
      const chipColumn = cycleDoc ? [`above ${cycleDoc.target} window`] : [];
      out("\n" + table(
        ["population", "kind", "neurons", "spikes/neuron", "max |t − (t_max − x)|", "early", "scanned", ...chipColumn],
        result.layers.map((l) => [l.population, l.kind, l.neurons, l.spikesPerNeuron, l.maxTimeError, l.early, l.scanned, ...(cycleDoc ? [l.aboveChipWindow ?? ""] : [])]),
      ) + "\n");
      out(result.matches ? "\nthe SNN matches the ANN\n" : `\nthe SNN does NOT match the ANN (first disagreeing inputs: ${a.disagreements.join(", ") || "none; logits differ"})\n`);
      if (cycleDoc?.reachesGoal) out(`on ${cycleDoc.target} the cycle simulation reaches the goal: ${pct(cycleDoc.agreement)} ≥ ${pct(cycleDoc.goal)}\n`);
      else if (cycleDoc) {
        const advice = goalAdvice(compiled.report.hardware!);
        out(`on ${cycleDoc.target} the cycle simulation does NOT reach the goal: ${pct(cycleDoc.agreement)} < ${pct(cycleDoc.goal)} (--agreement)\n`);
        out((advice.why.length ? "possible causes:\n" : "") + adviceLines(advice));
      }
      // The mapping's notes (widened windows, coarse float64 resolution, silent layers) are what explains a mismatch.
      if (!result.matches && compiled.report.notes.length) out(`notes from the mapping:\n${compiled.report.notes.map((n) => `  - ${n}\n`).join("")}`);
      if (!result.matches) out(`${mismatchHint(result, compiled.report.calibration)}\n`);
    }
    process.exitCode = failed.length === 0 ? 0 : 1;
  },
};

/**
 * What to try when the SNN does not match the ANN: inputs outside the input range (clipped) call for --input-range,
 * neurons spiking early (activations above their calibrated windows) for a larger --margin or calibration data that
 * covers these inputs (an audit: exit 1 with both causes printed and no hint).
 */
function mismatchHint(
  result: { clippedInputs: number; layers: { early: number }[] },
  calibration: { file: string; inputRange: { low: number; high: number } },
): string {
  const early = result.layers.reduce((a, l) => a + l.early, 0);
  const tries: string[] = [];
  if (result.clippedInputs) tries.push(`--input-range LOW,HIGH covering these inputs (${result.clippedInputs} values outside [${calibration.inputRange.low}, ${calibration.inputRange.high}] were clipped)`);
  if (early) tries.push(`a larger --margin, or calibration data that covers these inputs (${early} early spike${early === 1 ? "" : "s"}, neurons × inputs: activations above the windows calibrated on ${calibration.file})`);
  return tries.length ? `try: ${tries.join("; or ")}` : "try: spikec verify --json for every layer's numbers; a mismatch without clipped inputs or early spikes is a bug: please report it with the model";
}

/** -o DIR: the report files verify writes there, writable and none of them a file it reads. */
function checkOutputs(dir: string, args: VerifyArgs): void {
  const inputs = [args.model, args.calib, args.input, args.labels, args["report-input"], targetFile(args.target)];
  checkOutputDir("--out", dir);
  for (const f of [REPORT_FILE, REPORT_DATA_FILE, ...(args.html ? [REPORT_HTML_FILE] : [])]) {
    checkOutputPath("--out", join(dir, f));
    refuseOverwrite(join(dir, f), inputs);
  }
}

/** SHA-256 of the JSON text spikec would write for `value` (with its sidecar named `binName`). */
const jsonDigest = (value: unknown, binName: string): string => sha256(encodeWithSidecar(value, binName).json);

/**
 * -o DIR where DIR holds a compiled network (compile, then verify into the same folder, as the getting-started guide
 * does): the report verify writes there must describe that network. A network.json or hw.json that this run's compile
 * would not write (other options, model or calibration; a lowering verify was not asked for) is refused before the
 * verification runs: the folder would otherwise hold one network and another one's report.
 */
function refuseOtherCompile(dir: string, compiled: Compiled): void {
  const networkPath = join(dir, NETWORK_FILE);
  if (!existsSync(networkPath)) return;
  const networkSha = sha256(readInputFile(networkPath, "write the report to another folder"));
  const hint = "verify with the options, model and calibration data that compiled it (the same --target and --ticks too), or write the report to another folder";
  if (jsonDigest(networkForDisk(compiled.net), "network.bin") !== networkSha)
    throw new InputError(`-o ${dir} holds a network compiled with other options, model or calibration data (its network.json is not the one this verify compiles)`, hint);
  const hwPath = join(dir, HW_FILE);
  if (!existsSync(hwPath)) return;
  if (!compiled.hw) throw new InputError(`-o ${dir} holds that network lowered for a chip (hw.json), and this verify has no --target: its report would drop the hardware sections`, hint);
  if (jsonDigest({ ...compiled.hw.net, networkSha256: networkSha }, "hw.bin") !== sha256(readInputFile(hwPath, "write the report to another folder")))
    throw new InputError(`-o ${dir} holds that network lowered with other hardware options (its hw.json is not the one this verify lowers)`, hint);
}
