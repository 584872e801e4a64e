/**
 * Loihi 1 synapse memory (shared/spec/targets.md §1.2, nengo-loihi `SynapseConfig.bits_per_axon`): bits per entry
 * wb = weight + delay + tag + index bits (index dropped for dense lists), widths rounded up through the code tables;
 * blocks of ≤ 64 entries cost n·wb + 10 bits rounded up to 64; the sum over a core's input axons ≤ 1,048,576 bits.
 */
import type { Loihi1SynMemModel } from "../../hw/target/target.js";
import { blockBits, codeFor, type ListFormat, type SynapseMemoryModel } from "./types.js";

export function loihi1SynMem(m: Loihi1SynMemModel): SynapseMemoryModel {
  const entryBits = (f: ListFormat): number => {
    const w = codeFor(m.weightBitsCodes, f.weightBits);
    const idx = f.dense ? 0 : codeFor(m.idxBitsCodes, f.indexBits);
    // Tags are a learning feature: inference lists carry none.
    return w + Math.min(f.delayBits, m.delayBitsMax) + idx;
  };
  return {
    kind: m.kind,
    unit: "bits",
    capacity: m.totalBits,
    entryBits,
    listCost: (entries, f) => blockBits(entries, entryBits(f), m.entriesPerBlock, m.blockHeaderBits, m.wordBits),
    assumptions: [],
  };
}
