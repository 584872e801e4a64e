/**
 * `spikec simulate DIR --input X.npy --output LOGITS.npy [--engine exact|cycle] [--raster FILE]`: run a compiled
 * network on inputs. The cycle engine runs DIR/hw.json (written by `spikec compile … --target ID`) tick by tick with
 * the target's integer arithmetic; --raster dumps every spike (layout in src/sim/raster.ts).
 */
import { counted } from "../../util/plural.js";
import { existsSync } from "node:fs";
import type { CommandModule } from "yargs";
import { loadSamples } from "../../compile.js";
import { writeNpy } from "../../io/npy.js";
import { inputOf, readoutOf } from "../../snn/network.js";
import { loadNetwork } from "../../snn/serialize.js";
import { prepareNetwork } from "../../sim/exact/prepare.js";
import { simulateExact } from "../../sim/exact/simulate.js";
import { product } from "../../ann/graph.js";
import { checkOutputPath, networkFiles, refuseIdle, refuseOverwrite, refuseSameOutputs, targetFile } from "../options.js";
import { progressFor } from "../progress.js";
import { refuseFolderFile, requireExtension } from "../output-guard.js";
import { InputError } from "../../util/errors.js";
import { hwPathOf, loadHwNetwork } from "../../hw/serialize.js";
import { inputPopulations } from "../../hw/io.js";
import { targetForHw } from "../../hw/target/for-hw.js";
import { verifyHwNetwork } from "../../hw/verify.js";
import { compileCycle } from "../../sim/cycle/engine.js";
import { simulateCycleBatch } from "../../sim/cycle/batch.js";
import { addSpikes, checkRasterPath, emptyRaster, writeRaster, type Raster } from "../../sim/raster.js";

interface SimulateArgs {
  dir: string;
  input: string;
  output: string;
  engine: "exact" | "cycle";
  raster?: string;
  target?: string;
  json: boolean;
}

/** Input values clipped to the input range, in words ("" for none). */
const clippedText = (n: number): string => (n ? `; ${counted(n, "input value")} outside the input range ${n === 1 ? "was" : "were"} clipped` : "");

export const simulateCommand: CommandModule<object, SimulateArgs> = {
  command: "simulate <dir>",
  describe: "Run a compiled network on inputs and write the readout values (logits)",
  builder: (y) =>
    y
      .positional("dir", { type: "string", demandOption: true, describe: "Output folder of spikec compile" })
      .option("input", { type: "string", demandOption: true, describe: "Inputs (.npy, [N, …input shape])" })
      .option("output", { alias: "o", type: "string", demandOption: true, describe: "Where to write the logits (.npy, float64 [N, classes])" })
      .option("engine", {
        choices: ["exact", "cycle"] as const,
        default: "exact" as const,
        describe: "Simulator: exact (continuous time, float64, network.json) or cycle (the chip's integer arithmetic tick by tick, hw.json)",
      })
      .option("raster", { type: "string", describe: "Also write every spike per population (.npy [spikes, 4] rows of sample, population, neuron, tick/time; or .json)" })
      .option("target", { type: "string", describe: "Cycle engine: target id or XML path (default: the one hw.json was lowered for)" })
      .option("json", { type: "boolean", default: false, describe: "Print a JSON summary" })
      .example("$0 simulate out/lenet5 --input test_x.npy --output logits.npy", "writes logits.npy")
      .example("$0 simulate out/lenet5 --engine cycle --input test_x.npy --output logits.npy --raster spikes.npy", "runs hw.json tick by tick and dumps the spike ticks"),
  handler: (args) => {
    refuseIdle(args, ["target"], args.engine === "cycle", "to --engine cycle (the exact engine runs network.json, which has no target)", "add --engine cycle, or leave out --target");
    checkOutputs(args);
    if (args.engine === "cycle") return simulateCycleCommand(args);
    const net = loadNetwork(args.dir);
    const { array, count } = loadSamples(args.input, inputOf(net).shape);
    const progress = progressFor(args.json);
    const prepared = prepareNetwork(net);
    const size = product(inputOf(net).shape);
    const classes = product(readoutOf(net).shape);
    const logits = new Float64Array(count * classes);
    const step = 128;
    let clipped = 0;
    let early = 0;
    const raster = args.raster ? emptyRaster("exact", net.populations.filter((p) => p.kind !== "readout")) : null;
    for (let b0 = 0; b0 < count; b0 += step) {
      const nb = Math.min(step, count - b0);
      const r = simulateExact(net, array.data.subarray(b0 * size, (b0 + nb) * size), nb, { prepared, keep: raster ? () => true : undefined });
      if (raster) addExactSpikes(raster, r.times, b0, nb);
      logits.set(r.logits, b0 * classes);
      clipped += r.clippedInputs;
      for (const st of r.stats.values()) early += st.early;
      progress.update("simulate", b0 + nb, count);
    }
    progress.done();
    if (raster && args.raster) {
      raster.samples = count;
      writeRaster(args.raster, raster);
    }
    writeNpy(args.output, [count, classes], logits);
    // Early crossings: inputs inside the range whose activations exceed a layer's window; the logits then differ from
    // the ANN's (verify measures by how much).
    const summary = { samples: count, classes, output: args.output, engine: args.engine, clippedInputs: clipped, earlySpikes: early, ...rasterSummary(args.raster, raster) };
    const earlyText = early ? `; ${counted(early, "spike")} before ${early === 1 ? "its" : "their"} window (activations beyond the calibrated windows: these logits are not the ANN's; spikec verify measures the difference)` : "";
    if (args.json) process.stdout.write(JSON.stringify(summary) + "\n");
    else process.stdout.write(`simulated ${counted(count, "sample")} (${args.engine}); wrote ${args.output} [${count}, ${classes}]${clippedText(clipped)}${earlyText}\n${rasterLine(args.raster, raster)}`);
  },
};

/**
 * The output paths, before any simulation: writable, of a known format, distinct, and none of the files read (the
 * inputs, the compiled network in DIR, a target file), so that a mistake writes nothing.
 */
function checkOutputs(args: SimulateArgs): void {
  const inputs = [args.input, ...networkFiles(args.dir), targetFile(args.target)];
  checkOutputPath("--output", args.output);
  refuseOverwrite(args.output, inputs);
  requireExtension("--output", args.output, [".npy"], "the logits as float64 [N, classes]");
  refuseFolderFile("--output", args.output, args.dir);
  if (args.raster === undefined) return;
  checkOutputPath("--raster", args.raster);
  checkRasterPath(args.raster);
  refuseFolderFile("--raster", args.raster, args.dir);
  refuseSameOutputs({ option: "--output", path: args.output }, { option: "--raster", path: args.raster });
  refuseOverwrite(args.raster, inputs);
}

/** Spike times of every kept population, [nb, …shape] per population (+∞ = no spike), into the raster. */
function addExactSpikes(raster: Raster, times: Map<string, Float64Array>, b0: number, nb: number): void {
  raster.populations.forEach((p, pi) => {
    const t = times.get(p.id);
    if (!t) return;
    const n = product(p.shape);
    for (let b = 0; b < nb; b++) {
      const neuron: number[] = [];
      const time: number[] = [];
      for (let i = 0; i < n; i++) {
        const x = t[b * n + i]!;
        if (Number.isFinite(x)) {
          neuron.push(i);
          time.push(x);
        }
      }
      addSpikes(raster, pi, b0 + b, neuron, time);
    }
  });
}

const rasterSummary = (file: string | undefined, r: Raster | null) =>
  file && r ? { raster: { file, unit: r.unit, populations: r.populations.map((p) => ({ id: p.id, spikes: p.sample.length })) } } : {};

const rasterLine = (file: string | undefined, r: Raster | null): string =>
  file && r
    ? `wrote ${file}: ${r.populations.reduce((a, p) => a + p.sample.length, 0)} spikes (${r.unit}s); populations ${r.populations.map((p, i) => `${i}=${p.id}`).join(", ")}\n`
    : "";

/** --engine cycle: DIR/hw.json on the target's integer arithmetic. */
function simulateCycleCommand(args: SimulateArgs): void {
  const path = hwPathOf(args.dir);
  if (!existsSync(path))
    throw new InputError(
      `${path} does not exist: the cycle engine runs the network lowered for a chip (hw.json), which this folder does not hold`,
      `compile for a target first: spikec compile MODEL.onnx --calib CALIB.npy -o ${args.dir} --target loihi2 (or use --engine exact)`,
    );
  const net = loadHwNetwork(path);
  const target = targetForHw(net, path, args.target);
  verifyHwNetwork(net, target);
  const inputs = inputPopulations(net);
  if (inputs.length !== 1) throw new InputError(`${path} has ${inputs.length} input populations; spikec simulate feeds one`, "recompile the network");
  const { array, count } = loadSamples(args.input, inputs[0]!.shape);
  const prog = compileCycle(net, target);
  const progress = progressFor(args.json);
  const raster = args.raster ? emptyRaster("cycle", net.populations) : null;
  const index = new Map(net.populations.map((p, i) => [p.id, i]));
  const size = product(inputs[0]!.shape);
  const step = 64;
  let logits = new Float64Array(0);
  let classes = 0;
  let clipped = 0;
  const overflow = { q: 0, u: 0, vmax: 0, vmin: 0 };
  for (let b0 = 0; b0 < count; b0 += step) {
    const nb = Math.min(step, count - b0);
    const r = simulateCycleBatch(prog, array.data.subarray(b0 * size, (b0 + nb) * size), nb, { raster: raster !== null }, (b, one) => {
      if (!raster || !one.raster) return;
      for (const [id, s] of Object.entries(one.raster)) addSpikes(raster, index.get(id)!, b0 + b, s.neuron, s.tick);
    });
    if (logits.length === 0) {
      classes = r.classes;
      logits = new Float64Array(count * classes);
    }
    logits.set(r.logits, b0 * classes);
    clipped += r.clippedInputs;
    for (const k of Object.keys(overflow) as (keyof typeof overflow)[]) overflow[k] += r.overflow[k];
    progress.update("simulate", b0 + nb, count);
  }
  progress.done();
  // The raster first: if it cannot be written, neither is the logits file (a failed command leaves nothing).
  if (raster && args.raster) {
    raster.samples = count;
    writeRaster(args.raster, raster);
  }
  writeNpy(args.output, [count, classes], logits);
  const summary = { samples: count, classes, output: args.output, engine: "cycle", target: target.id, ticks: net.ticks, clippedInputs: clipped, overflow, ...rasterSummary(args.raster, raster) };
  if (args.json) process.stdout.write(JSON.stringify(summary) + "\n");
  else {
    const events = overflow.q + overflow.u + overflow.vmax + overflow.vmin;
    process.stdout.write(
      `simulated ${counted(count, "sample")} (cycle, ${target.id}, ${net.ticks} ticks each); wrote ${args.output} [${count}, ${classes}]` +
        `${clippedText(clipped)}${events ? `; register events: ${JSON.stringify(overflow)}` : ""}\n${rasterLine(args.raster, raster)}`,
    );
  }
}
