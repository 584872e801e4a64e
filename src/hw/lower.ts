/**
 * SNN IR (+ target + ticks per window) → HW IR, in integers only: the hardware lowering passes of src/hw/passes/
 * run in order (time, quantize, ranges, spiking rules, delays), then the HW IR verifier checks every integer
 * against the target. A layer whose proven register bounds exceed a limit is re-quantized at half its slope
 * (up to 4 times) before the lowering gives up with an error naming the layer, register, bound and limit.
 */
import type { SnnNetwork } from "../snn/network.js";
import { runPasses } from "../util/pass.js";
import type { HwNetwork } from "./network.js";
import { delaysPass } from "./passes/delays.js";
import { RangeError_, type Lowering } from "./passes/lowering.js";
import { quantizePass } from "./passes/quantize.js";
import { rangesPass } from "./passes/ranges.js";
import { requireNeuronModel, spikingPass } from "./passes/spiking.js";
import { timePass } from "./passes/time.js";
import type { Target } from "./target/target.js";
import { verifyLoweredNetwork } from "./verify.js";
import { unsupportedArithmetic } from "./target/supported.js";
import { SpikecError } from "../util/errors.js";

export const HW_PASSES = [timePass, quantizePass, rangesPass, spikingPass, delaysPass] as const;

export interface Lowered {
  hw: HwNetwork;
  /** Everything the passes decided (timing, designs, bounds, counts), for the report. */
  lowering: Lowering;
}

const RETRIES = 4;
/**
 * Hidden windows on the chip default to the calibrated maximum X_n (windowMargin 0): the SNN's margin ζ protects the
 * continuous-time mapping but costs a third of the tick levels (measured on lenet5_fmnist: better agreement at every
 * budget ≤ 128). Activations above X_n fire at t1 (the firing gate: clipped to X_n). null = the SNN's windows, which
 * clip nothing the exact simulation does not (for cycle = exact comparisons at large budgets). The compiler also gives
 * every channel its own window (`channelWindows`, src/compile.ts): lenet5_fmnist at 16 ticks 93.6 % → 98.1 %.
 */
export const DEFAULT_WINDOW_MARGIN: number | null = 0;

export interface LowerOptions {
  /** Hidden windows on the chip as (1 + windowMargin)·X_n (default 0); null = the SNN's windows. */
  windowMargin?: number | null;
  /** Mean activations on the calibration data per population, for the bias correction of weight rounding. */
  activationMeans?: Map<string, Float64Array> | null;
  /** Synapses per connection: 1 (default, 8-bit weights) or 2 (coarse + residual, ~15-bit weights). */
  weightTerms?: 1 | 2;
  /** One mixed-sign synapse list per projection instead of an excitatory and an inhibitory one (default false). */
  mixedSign?: boolean;
  /**
   * Chip window length per spiking population (activation units), e.g. a calibration quantile (calibration.ts
   * quantileWindows); overrides (1 + windowMargin)·X_n for the populations it names. Larger activations clip.
   */
  windows?: Map<string, number> | null;
  /** Ticks per window per population (input, spiking), e.g. more for the input; others use ticksPerWindow. */
  layerTicks?: Map<string, number> | null;
  /**
   * Chip window length per channel (dense: per neuron) of spiking populations, e.g. calibration quantiles per channel
   * (calibration.ts channelWindows); overrides `windows` for the populations it names. Larger activations clip.
   */
  channelWindows?: Map<string, Float64Array> | null;
}

export function lowerToHw(snn: SnnNetwork, target: Target, ticksPerWindow: number, options: LowerOptions = {}): Lowered {
  requireNeuronModel(snn.model, snn.compiledFrom.model, target);
  const unsupported = unsupportedArithmetic(target, "lowering");
  if (unsupported) throw new SpikecError(`${target.file}: spikec cannot lower to ${target.name}: ${unsupported}`, "change the element named above to what Loihi has (compare targets/loihi2.xml), or use a bundled target", 3);
  const slopeFactor = new Map<string, number>();
  for (let attempt = 0; ; attempt++) {
    const start: Lowering = {
      snn, target, ticksPerWindow, slopeFactor, windowMargin: options.windowMargin === undefined ? DEFAULT_WINDOW_MARGIN : options.windowMargin,
      activationMeans: options.activationMeans ?? null,
      weightTerms: options.weightTerms ?? 1,
      // A chip without one-signed lists gains nothing from two lists per projection (both would be mixed).
      mixedSign: (options.mixedSign ?? false) || !(target.synapse.weightRanges.excitatory && target.synapse.weightRanges.inhibitory),
      windows: options.windows ?? null,
      layerTicks: options.layerTicks ?? null,
      channelWindows: options.channelWindows ?? null,
      stats: { extraNeurons: 0, extraSynapses: 0, relayNeurons: 0, clockNeurons: 0 },
      notes: [],
    };
    try {
      const ir = runPasses(HW_PASSES, start);
      const notes = [...ir.notes];
      for (const [id, f] of slopeFactor) notes.push(`ranges: layer '${id}' re-quantized at ${f} × its first slope to keep its registers in range`);
      const hw: HwNetwork = { ...ir.hw!, notes };
      verifyLoweredNetwork(hw, target);
      return { hw, lowering: { ...ir, hw, notes } };
    } catch (e) {
      if (e instanceof RangeError_ && e.retryable && attempt < RETRIES) {
        slopeFactor.set(e.population, (slopeFactor.get(e.population) ?? 1) / 2);
        continue;
      }
      throw e;
    }
  }
}
