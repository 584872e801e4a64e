/**
 * `spikec fit MODEL.onnx --calib X.npy --target T` or `spikec fit DIR`: does the network fit the chip, and if not,
 * why and where. Exit 0 when it fits, 3 when it does not, 2 on bad input.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { CommandModule } from "yargs";
import { compile, loadSamples } from "../../compile.js";
import { hwPathOf, loadHwNetwork } from "../../hw/serialize.js";
import { verifyHwNetwork } from "../../hw/verify.js";
import { targetForHw } from "../../hw/target/for-hw.js";
import { inputPopulations } from "../../hw/io.js";
import { populationSize } from "../../hw/network.js";
import { loadNetwork } from "../../snn/serialize.js";
import { InputError, SpikecError } from "../../util/errors.js";
import { buildFitReport, measureActivity, type FitReport } from "../../place/fit-report.js";
import { place } from "../../place/place.js";
import { originsOf } from "../../place/origins.js";
import { printFit } from "../print-fit.js";
import { progressFor } from "../progress.js";
import { checkInteger, checkTicks, refuseIdle, typed } from "../options.js";
import { printError } from "../print-error.js";
import { hasMixedSignLists, LOWERING_INPUTS_PER_NEURON } from "../../hw/passes/spiking.js";
import { MIN_SPLIT_CAPACITY } from "../../ann/passes/split-fan-in.js";
import { goalText, tickPointText } from "../../hw/ticks.js";
import { percent as pct } from "../../util/percent.js";

interface FitArgs {
  input: string;
  calib?: string;
  target?: string;
  ticks?: number;
  "mixed-sign": boolean;
  samples: number;
  json: boolean;
}

/** Samples the activity measurement simulates (spikes and synaptic events per inference). */
const DEFAULT_SAMPLES = 20;

export const fitCommand: CommandModule<object, FitArgs> = {
  command: "fit <input>",
  describe: "Check whether a network fits a chip: cores per layer, used/max per core, totals and a verdict (exit 3 if it does not fit)",
  builder: (y) =>
    y
      .positional("input", { type: "string", demandOption: true, describe: "A model (.onnx, with --calib and --target) or a compiled folder holding hw.json" })
      .option("calib", { type: "string", describe: "Calibration inputs (.npy): needed for a model; for a folder, samples to measure spikes per inference" })
      .option("target", { type: "string", describe: "Target id (spikec targets) or XML file; default for a folder: the target hw.json was lowered for" })
      .option("ticks", { type: "number", describe: "Ticks per window (a model only; default: the tick search of spikec compile)" })
      .option("mixed-sign", { type: "boolean", default: false, describe: "A model only: one mixed-sign synapse list per projection instead of two (spikec compile --mixed-sign)" })
      .option("samples", { type: "number", default: DEFAULT_SAMPLES, describe: "Samples simulated to measure spikes and synaptic events per inference (0: do not measure)" })
      .option("json", { type: "boolean", default: false, describe: "Print the fit report as JSON (schemas/fit-report.schema.json)" })
      .example("$0 fit lenet5.onnx --calib calib.npy --target loihi1", "compile for Loihi 1 and check the fit")
      .example("$0 fit out/lenet5", "check a compiled folder (hw.json) against its target"),
  handler: (args) => {
    const { report, ticks, mixedSign } = fitReportFor(args);
    if (args.json) process.stdout.write(JSON.stringify(report, null, 1) + "\n");
    else {
      printFit(report);
      if (ticks) process.stdout.write(ticks);
    }
    if (!report.fits) {
      const e = new SpikecError(`the network does not fit ${report.targetName}:\n${report.problems.map((p) => `  ${p.message}`).join("\n")}`, hintFor(report, mixedSign), 3);
      // With --json the report on stdout is the answer (fits: false, its problems): no second JSON object after it.
      if (!args.json) throw e;
      printError(e);
      process.exitCode = e.exitCode;
    }
  },
};

/**
 * What to try, by the resource that failed; and, where layers are bound by synapse memory or formats in a network with
 * two lists per projection (not `mixedSign`), the one-list layout: half a dense layer's memory, one sign mode per list.
 */
function hintFor(r: FitReport, mixedSign: boolean): string {
  const resources = new Set(r.problems.map((p) => p.resource));
  const listBound = r.layers.filter((l) => l.binding === "synapse memory" || l.binding === "synapse formats").map((l) => `${l.population} (${l.binding})`);
  const oneList =
    !mixedSign && listBound.length
      ? `compile with --mixed-sign (one synapse list per projection instead of an excitatory and an inhibitory one: one sign mode per neuron in the format table and fewer lists, one weight bit less; bound by formats or memory here: ${listBound.slice(0, 3).join(", ")}${listBound.length > 3 ? ", …" : ""}); `
      : "";
  if (resources.has("synapse formats"))
    return `each distinct (sign mode, weight exponent, delay) into a neuron takes a synapse-format entry; compiled for a target, a neuron's finest weight rows already move to exponents it keeps, so what is left comes from sign modes and delays: ${oneList}fewer projections into the layer (or a target with a larger format table, e.g. loihi2)`;
  if (resources.has("input axons"))
    return `compiled for a target, a layer whose inputs can be cut along channels is summed from partial sums that fit its cores (split-fan-in); what is left cannot be cut (one channel's kernel, one group of a grouped conv) or the cores are too small for partial sums (clock and latch take ${LOWERING_INPUTS_PER_NEURON} input axons, a sum needs ${MIN_SPLIT_CAPACITY} more): smaller kernels or groups, or a target with larger cores`;
  if (resources.has("synapse memory")) return `${oneList}lower the fan-in of the layers named (smaller kernels or fewer input channels), or pick a target with larger cores`;
  return `${oneList}pick a target with more cores or chips, or a smaller network`;
}

/** The fit report, and (a model compiled here) how its ticks per window were chosen, in words. */
function fitReportFor(args: FitArgs): { report: FitReport; ticks?: string; mixedSign: boolean } {
  // 0 skips the activity measurement (a model needs --calib to compile, so this is how to opt out).
  checkInteger(args, "samples", args.samples, 0);
  checkTicks(args, args.ticks);
  const isDir = existsSync(args.input) && statSync(args.input).isDirectory();
  if (isDir) {
    refuseIdle(args, ["samples"], args.calib !== undefined, "with --calib (the samples simulated to measure activity)", "add --calib X.npy, or leave out --samples");
    refuseIdle(args, ["mixed-sign", "no-mixed-sign"], false, "to a model (a folder's synapse lists were fixed when it was compiled)", "leave it out, or fit the model: spikec fit MODEL.onnx --calib X.npy --target ID --mixed-sign");
  }
  if (!isDir) {
    if (!args.input.toLowerCase().endsWith(".onnx")) throw new InputError(`${args.input} is neither a folder nor an .onnx model`, "pass MODEL.onnx --calib X.npy --target ID, or a folder written by spikec compile --target");
    if (!args.calib || !args.target) throw new InputError(`fitting ${args.input} needs --calib and --target`, `spikec fit ${args.input} --calib X.npy --target loihi2`);
    const progress = progressFor(args.json);
    const compiled = compile(args.input, args.calib, { target: args.target, ticks: args.ticks, mixedSign: args["mixed-sign"], onProgress: (s, d, t) => progress.update(s, d, t) });
    progress.done();
    // The compile placed the network already (the same call spikec fit DIR makes on its folder).
    const hw = compiled.hw!;
    const { array, count } = loadSamples(args.calib, compiled.ann.nodes[0]!.shape);
    const n = Math.min(count, args.samples);
    const h = compiled.report.hardware!;
    // The verdict depends on the budget: say which one, how it was found, and when the search could not tell.
    const ticks =
      `ticks per window: ${h.ticksPerWindow} (${args.ticks !== undefined ? "--ticks" : `tick search, goal ${pct(h.agreementGoal)} on the calibration data: ${h.curve.map(tickPointText).join(", ")}${h.reached ? "" : `  ${goalText(h)}`}`})\n` +
      h.notes.filter((note) => note.startsWith("tick search:")).map((note) => `note: ${note}\n`).join("");
    return { report: buildFitReport(hw.placement, n > 0 ? measureActivity(hw.net, hw.target, array.data, n) : undefined), ticks, mixedSign: args["mixed-sign"] };
  }
  // A folder's ticks were fixed when it was lowered; fitting it with others would describe another network.
  if (args.ticks !== undefined) {
    throw new InputError(
      `--ticks ${typed(args, "ticks", args.ticks)} applies to a model only: the ticks of ${hwPathOf(args.input)} were fixed when it was compiled`,
      `leave out --ticks, or fit the model with them: spikec fit MODEL.onnx --calib X.npy --target ID --ticks ${typed(args, "ticks", args.ticks)}`,
    );
  }
  const net = loadHwNetwork(args.input);
  const target = targetForHw(net, hwPathOf(args.input), args.target);
  // A hw.json edited after compile may hold integers the chip cannot: the same check simulate --engine cycle makes.
  verifyHwNetwork(net, target);
  const snnFile = join(args.input, "network.json");
  const origins = existsSync(snnFile) ? originsOf(loadNetwork(args.input)) : undefined;
  const placement = place(net, target, { origins });
  const mixedSign = hasMixedSignLists(net);
  if (!args.calib) return { report: buildFitReport(placement), mixedSign };
  const size = inputPopulations(net).reduce((a, p) => a + populationSize(p), 0);
  const { array, count } = loadSamples(args.calib, inputPopulations(net)[0]?.shape ?? [size]);
  const n = Math.min(count, args.samples);
  return { report: buildFitReport(placement, n > 0 ? measureActivity(net, target, array.data, n) : undefined), mixedSign };
}
