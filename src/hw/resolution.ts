/**
 * Channels the chip's tick grid cannot resolve: a channel (dense: a neuron) whose largest activation on the calibration
 * data is below one of its ticks sends every activation at the window's last tick or the one before, so on the chip it
 * is nearly constant. It happens when a channel's window is floored at 1/CHANNEL_WINDOW_RATIO of its layer's largest
 * (src/hw/calibration.ts) or set by the layer (no channel windows), next to a much larger channel. Stated in the notes.
 */
import { product } from "../ann/graph.js";
import type { SnnNetwork } from "../snn/network.js";
import { channelsOf } from "./calibration.js";
import { deltaAt, type Timing } from "./passes/lowering.js";

/** Per spiking population with such channels: how many, of how many. */
export function subTickChannels(snn: SnnNetwork, timing: Timing, channelMax: Map<string, Float64Array>): { population: string; channels: number; of: number }[] {
  const out: { population: string; channels: number; of: number }[] = [];
  for (const p of snn.populations) {
    const cmax = channelMax.get(p.id);
    if (p.kind !== "spiking" || !cmax) continue;
    const pt = timing.populations.get(p.id)!;
    const area = product(p.shape) / channelsOf(p.shape);
    let channels = 0;
    for (let c = 0; c < cmax.length; c++) if (cmax[c]! > 0 && cmax[c]! < deltaAt(pt, c * area)) channels++;
    if (channels > 0) out.push({ population: p.id, channels, of: cmax.length });
  }
  return out;
}

/** The note for the report (null when every channel spans at least one tick). */
export function subTickNote(found: ReturnType<typeof subTickChannels>, ticks: number): string | null {
  if (found.length === 0) return null;
  return (
    `time: channels whose largest calibration activation is below one tick, so the chip sends them at the window's last ticks only (nearly constant): ` +
    found.map((f) => `${f.population} ${f.channels} of ${f.of}`).join(", ") +
    ` (at ${ticks} ticks per window; their window is set by a much larger channel of the same layer: more ticks, or a model whose channels have similar ranges, resolve them)`
  );
}
