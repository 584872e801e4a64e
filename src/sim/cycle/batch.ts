/**
 * Runs a compiled cycle program on a batch of raw inputs: encode each sample with the HW IR's input encoding
 * (src/hw/io.ts), simulate, and collect the logits of the last readout. One program, buffers reused per sample.
 */
import { InputError } from "../../util/errors.js";
import { encodeInputTicks, inputPopulations } from "../../hw/io.js";
import { populationSize } from "../../hw/network.js";
import { runCycle, type CycleOptions, type CycleProgram, type CycleResult } from "./engine.js";
import { checkBatchInput } from "../batch-input.js";

export interface CycleBatchResult {
  batch: number;
  /** Logits of the network's last readout, [batch, classes]. */
  logits: Float64Array;
  classes: number;
  /** Input values outside their encoding range (clipped). */
  clippedInputs: number;
  /** Summed over the batch. */
  stats: CycleResult["stats"];
  spikeCount: Record<string, number>;
  overflow: CycleResult["overflow"];
}

/** Values per sample the program's inputs take (all input populations, in order). */
export const sampleSize = (prog: CycleProgram): number => inputPopulations(prog.net).reduce((a, p) => a + populationSize(p), 0);

/**
 * Simulates `batch` samples of `x` (batch-major, sampleSize(prog) values each). `onSample` sees each sample's full
 * result (for rasters); `options` apply to every sample.
 */
export function simulateCycleBatch(
  prog: CycleProgram,
  x: Float64Array,
  batch: number,
  options: CycleOptions = {},
  onSample?: (b: number, r: CycleResult) => void,
): CycleBatchResult {
  const readout = prog.net.readouts[prog.net.readouts.length - 1];
  if (!readout) throw new InputError("the HW IR has no readout", "re-run spikec compile … --target ID");
  const readPop = prog.populations[prog.index.get(readout.population)!]!;
  const classes = populationSize(readPop);
  const size = sampleSize(prog);
  checkBatchInput(x, batch, size, "simulateCycleBatch");
  const logits = new Float64Array(batch * classes);
  const stats: CycleResult["stats"] = { synapticEvents: 0, neuronUpdates: 0, jumps: 0, ticksSimulated: 0, ticksSkipped: 0, sourceSpikes: 0 };
  const overflow: CycleResult["overflow"] = { q: 0, u: 0, vmax: 0, vmin: 0 };
  const spikeCount: Record<string, number> = {};
  let clippedInputs = 0;
  for (let b = 0; b < batch; b++) {
    const { spikes, clipped } = encodeInputTicks(prog.net, x.subarray(b * size, (b + 1) * size));
    clippedInputs += clipped;
    const r = runCycle(prog, spikes, options);
    const last = r.readouts[r.readouts.length - 1];
    if (last) logits.set(last.logits, b * classes);
    for (const k of Object.keys(stats) as (keyof typeof stats)[]) stats[k] += r.stats[k];
    for (const k of Object.keys(overflow) as (keyof typeof overflow)[]) overflow[k] += r.overflow[k];
    for (const [id, n] of Object.entries(r.spikeCount)) spikeCount[id] = (spikeCount[id] ?? 0) + n;
    onSample?.(b, r);
  }
  return { batch, logits, classes, clippedInputs, stats, spikeCount, overflow };
}
