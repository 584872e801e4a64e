/**
 * Synapse lists share a core's format entry only when sign mode, exponent, stored weight bits and delay bits all
 * match (formats.ts re-encodes exponents of full-width lists, never widths or delay bits). Lists stored as narrow as
 * their weights allow can therefore need more entries than the table holds where the same lists at one width would
 * fit: two projections at the same exponent whose largest weights take 7 and 8 bits, or a layer's latch list without
 * its delayed half (delay bits 0) next to its clock's lists (delay bits 1) on the same exponents.
 *
 * Rewrite, per population some neuron of which needs more entries than the table: first give lists of one sign mode,
 * width and exponent the widest delay bits among them; if a neuron is still over, store every list into the
 * population at the full weight width and align delay bits again. Wider fields cost synapse memory, which the placer
 * counts from these same widths; the weights and every contribution are unchanged.
 */
import type { HwPopulation } from "../hw/network.js";
import { populationSize } from "../hw/network.js";
import type { PreparedGroup } from "./prepared.js";
import type { SignMode } from "../hw/target/target.js";

const MODES: SignMode[] = ["mixed", "excitatory", "inhibitory"];
const keyOf = (gr: PreparedGroup, exp: number) => ((MODES.indexOf(gr.mode) * 256 + exp + 128) * 32 + gr.weightBits) * 32 + gr.delayBits;

/** Calls `visit(exp)` for each exponent of `gr`'s synapses into neuron i (conv: its channel's; sparse: its synapses'). */
function forEachExp(gr: PreparedGroup, target: HwPopulation, i: number, visit: (exp: number) => void): void {
  const g = gr.g;
  if (typeof g.weightExp === "number") return visit(g.weightExp);
  if (g.kind === "dense") return visit(g.weightExp[i]!);
  if (g.kind === "conv") return visit(g.weightExp[Math.floor(i / (populationSize(target) / target.shape[0]!))]!);
  const { offsets, index } = gr.byPost!;
  for (let k = offsets[i]!; k < offsets[i + 1]!; k++) visit(g.weightExp[index[k]!]!);
}

/** Every entry any neuron of the population can use (an upper bound of one neuron's need). */
function unionCount(groups: PreparedGroup[]): number {
  const all = new Set<number>();
  for (const gr of groups) for (const e of gr.exps) all.add(keyOf(gr, e));
  return all.size;
}

/** The most entries one neuron of `target` needs. */
function neuronNeed(groups: PreparedGroup[], target: HwPopulation): number {
  const keys = new Set<number>();
  let most = 0;
  for (let i = 0; i < populationSize(target); i++) {
    keys.clear();
    for (const gr of groups) forEachExp(gr, target, i, (e) => void keys.add(keyOf(gr, e)));
    if (keys.size > most) most = keys.size;
  }
  return most;
}

/** Lists of one sign mode and width whose exponents overlap take the widest delay bits among them (to a fixed point). */
function alignDelayBits(groups: PreparedGroup[]): void {
  for (let changed = true; changed; ) {
    changed = false;
    for (const a of groups)
      for (const b of groups)
        if (a.mode === b.mode && a.weightBits === b.weightBits && a.delayBits < b.delayBits && a.exps.some((e) => b.exps.includes(e))) {
          a.delayBits = b.delayBits;
          changed = true;
        }
  }
}

/** Rewrites the stored widths of the lists into each population whose neurons need more entries than `table`. */
export function shareFormatEntries(incoming: Map<string, PreparedGroup[]>, pops: Map<string, HwPopulation>, table: number, fullBits: number): void {
  for (const [id, groups] of incoming) {
    // Only the union can exceed the table if a neuron does; most populations stop here.
    if (groups.length < 2 || unionCount(groups) <= table) continue;
    const target = pops.get(id)!;
    if (neuronNeed(groups, target) <= table) continue;
    alignDelayBits(groups);
    if (neuronNeed(groups, target) <= table) continue;
    for (const gr of groups) gr.weightBits = Math.max(gr.weightBits, fullBits);
    alignDelayBits(groups);
  }
}
