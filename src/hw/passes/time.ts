/**
 * Pass 1, time: every window gets the same number of ticks K (a positive per-layer rescaling of the activations
 * keeps the network's function, so each layer's window [t1, t2] of length B_n maps onto K ticks: one tick is
 * delta_n = B_n / K activation units). Input pixels x̂ ∈ [0, 1] spike at tick round(K·(1 − x̂)) (nearest, no bias).
 * `layerTicks` may give a population its own K (the latency is the sum; measured on lenet5_fmnist at 16 ticks: no
 * single layer dominates the error, raising any one to 64 ticks gains 0–1 %), and `windows` its own B_n.
 * `channelWindows` gives every channel (dense: neuron) its own window on the same K ticks: neuron i's tick is then
 * deltas[i] = B_c / K, and the next layer's weights carry δ_src(j)/δ_n(i) (quantize.ts); max-pool gates keep their
 * source channel's ticks. Measured on lenet5_fmnist at 16 ticks: 93.6 % → 97.9 % agreement (bench agreement-vs-ticks).
 *
 * Latency: a spike emitted at tick s first changes u at s + L (L = the target's synaptic latency), so on the tick
 * grid its ramp w·(t − τ) starts at τ = s + L − 1. A layer's firing phase therefore starts at
 * t1 = max over sources (w2_src + L − 1): each hop costs L − 1 ticks plus one tick, absorbed by shifting windows.
 * Sources that end earlier (skip paths) get synaptic delays t1 − (w2_src + L − 1). Gates fire on arrival, so a
 * gate's window is its source's shifted by L. The readout is read at its t1.
 *
 * The systematic late rounding of threshold detection (a neuron fires at the first tick after its crossing, i.e.
 * it floors its activation) is compensated in the thresholds (quantize.ts: crossing placed half a tick early).
 */
import { SpikecError } from "../../util/errors.js";
import type { Pass } from "../../util/pass.js";
import { product } from "../../ann/graph.js";
import { sourcesOf } from "../../snn/network.js";
import type { Lowering, PopulationTiming, Timing } from "./lowering.js";
import { maxOf } from "../../util/extrema.js";

/**
 * Per-neuron tick lengths from per-channel windows (length C for [C, H, W], one per neuron otherwise). A channel
 * silent on the calibration data (window 0) keeps the layer's window.
 */
function channelDeltas(windows: Float64Array, shape: readonly number[], layerWindow: number, K: number): Float64Array {
  const size = product(shape);
  const area = size / windows.length;
  if (!Number.isInteger(area)) throw new SpikecError(`channel windows: ${windows.length} windows for a layer of shape [${shape}]`, "give one window per channel (dense layers: per neuron)");
  const fallback = layerWindow > 0 ? layerWindow : 1;
  return Float64Array.from({ length: size }, (_, i) => {
    const w = windows[Math.floor(i / area)]!;
    return (w > 0 ? w : fallback) / K;
  });
}

/** A per-neuron array of a [C, …] population mapped onto another [C, …] population by channel (max-pool gates). */
function perChannel(values: Float64Array, from: readonly number[], to: readonly number[]): Float64Array {
  const fromArea = product(from) / from[0]!;
  const toArea = product(to) / to[0]!;
  return Float64Array.from({ length: product(to) }, (_, i) => values[Math.floor(i / toArea) * fromArea]!);
}

export const timePass: Pass<Lowering, Lowering> = {
  name: "hw-time",
  description: "ticks per window, input encoding, synaptic latency and alignment delays on the tick grid",
  run(ir) {
    const K = ir.ticksPerWindow;
    if (!Number.isInteger(K) || K < 2)
      throw new SpikecError(`--ticks ${K}: a window needs at least 2 ticks`, "use --ticks 4 or more (or let the compiler choose)");
    const L = ir.target.timing.synapticLatency;
    const pops = new Map<string, PopulationTiming>();
    let readTick = -1;
    const ticksOf = (id: string) => ir.layerTicks?.get(id) ?? K;
    for (const p of ir.snn.populations) {
      const length = p.window.tMax - p.window.tMin;
      switch (p.kind) {
        case "input": {
          const Ki = ticksOf(p.id);
          pops.set(p.id, { id: p.id, kind: p.kind, w1: 0, w2: Ki, delta: length / Ki, deltas: null, delays: [], alphaStart: 0 });
          break;
        }
        case "gate": {
          const s = pops.get(p.projection.source)!;
          // A max-pool gate passes its channel's spikes on: same channel windows as its source.
          const src = ir.snn.populations.find((q) => q.id === p.projection.source)!;
          const deltas = s.deltas ? perChannel(s.deltas, src.shape, p.shape) : null;
          pops.set(p.id, { id: p.id, kind: p.kind, w1: s.w1 + L, w2: s.w2 + L, delta: s.delta, deltas, delays: [0], alphaStart: 0 });
          break;
        }
        case "spiking":
        case "readout": {
          const srcs = sourcesOf(p).map((id) => pops.get(id)!);
          const ends = srcs.map((s) => s.w2 + L - 1);
          const t1 = Math.max(...ends);
          const delays = ends.map((e) => t1 - e);
          // The integration current starts with the earliest possible input ramp (a source's window start).
          const alphaStart = Math.min(...srcs.map((s, j) => s.w1 + L - 1 + delays[j]!));
          const Kn = ticksOf(p.id);
          // The readout has no window of its own: its delta is unused (logits are read as values).
          // The hardware window: (1 + margin)·X_n when a margin is given (finer ticks; larger activations fire
          // before t1, slightly early), else the SNN's window.
          const given = p.kind === "spiking" ? ir.windows?.get(p.id) : undefined;
          const hwLength =
            given !== undefined && given > 0 ? given : p.kind === "spiking" && ir.windowMargin !== null && p.maxActivation > 0 ? p.maxActivation * (1 + ir.windowMargin) : length;
          const channels = p.kind === "spiking" ? ir.channelWindows?.get(p.id) : undefined;
          const deltas = channels ? channelDeltas(channels, p.shape, hwLength, Kn) : null;
          const delta = p.kind === "spiking" ? (deltas ? maxOf(deltas, 0) : hwLength > 0 ? hwLength / Kn : 1 / Kn) : 1;
          pops.set(p.id, { id: p.id, kind: p.kind, w1: t1, w2: p.kind === "spiking" ? t1 + Kn : t1, delta, deltas, delays, alphaStart });
          if (p.kind === "readout") readTick = t1;
          break;
        }
      }
    }
    const timing: Timing = { ticksPerWindow: K, latency: L, populations: pops, readTick, ticks: readTick + 1 };
    return {
      ...ir,
      timing,
      notes: [
        ...ir.notes,
        (ir.channelWindows ? `time: hidden windows per channel (dense: per neuron) of ${[...ir.channelWindows.keys()].join(", ")} (a channel's activations above its window fire at t1, clipped); ` : "") +
        (ir.windows ? `time: hidden windows given per layer (${[...ir.windows].map(([id, w]) => `${id}: ${w.toPrecision(4)}`).join(", ")}; larger activations fire at t1, clipped); ` : "") +
        (ir.windowMargin !== null ? `time: hidden windows set to (1 + ${ir.windowMargin})·X_n of the calibration data (the SNN's use ζ = ${ir.snn.compiledFrom.margin}); ` : "") +
        (ir.layerTicks ? `time: ticks per window per layer ${[...ir.layerTicks].map(([id, k]) => `${id}: ${k}`).join(", ")}, ${K} elsewhere; ` : "") +
        `time: ${K} ticks per window for every layer (layer n's tick is its window B_n / ${K} in activation units); input x̂ spikes at tick round(${K}·(1 − x̂)); ` +
          `synaptic latency ${L} tick(s) per hop absorbed by starting each firing phase at t1 = source's last tick + ${L - 1}; readout at tick ${readTick}`,
      ],
    };
  },
  verify(ir) {
    const t = ir.timing;
    if (!t) throw new Error("no timing");
    if (t.readTick < 1) throw new Error("no readout tick");
    for (const p of ir.snn.populations) {
      const pt = t.populations.get(p.id);
      if (!pt) throw new Error(`population ${p.id} has no tick window`);
      if (!(pt.delta > 0)) throw new Error(`population ${p.id}: tick length ${pt.delta} must be > 0`);
      if (pt.deltas && (pt.deltas.length !== product(p.shape) || pt.deltas.some((d) => !(d > 0)))) throw new Error(`population ${p.id}: per-neuron tick lengths must be > 0, one per neuron`);
      if (pt.delays.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`population ${p.id}: delays ${pt.delays} must be integers ≥ 0`);
      if (p.kind === "spiking" && pt.alphaStart + 1 - t.latency < 0) throw new Error(`population ${p.id}: integration starts before tick 0`);
      for (const s of sourcesOf(p)) if (t.populations.get(s)!.w2 + t.latency - 1 > pt.w1 && p.kind !== "gate") throw new Error(`population ${p.id} fires before source ${s}'s window ends`);
    }
  },
};
