/**
 * Loihi 2 synapse memory as lava-loihi's cost database budgets it (`SynMem` units per core, shared/spec/targets.md
 * §2). The unit is unpublished, so the list layout is an assumption stated in the target file (unitBits,
 * entriesPerBlock, blockHeaderBits, confidence "unverified"): Loihi 1's block layout with the compact 8-bit weight
 * mantissa, each block rounded up to whole units. The fit report repeats these assumptions.
 */
import type { LavaUnitsModel } from "../../hw/target/target.js";
import { InputError } from "../../util/errors.js";
import { blockBits, type ListFormat, type SynapseMemoryModel } from "./types.js";

/** Index widths a sparse entry may take (as on Loihi 1; assumed). */
const INDEX_CODES = [0, 6, 7, 8, 9, 10, 11, 12, 13];

export function lavaUnits(m: LavaUnitsModel, file: string): SynapseMemoryModel {
  const budget = m.budgets.SynMem;
  if (budget === undefined || m.unitBits === null || m.entriesPerBlock === null || m.blockHeaderBits === null) {
    throw new InputError(
      `target file ${file}: memoryModel 'lava-units' needs a SynMem budget and the assumed layout (unitBits, entriesPerBlock, blockHeaderBits) to place synapses`,
      "add them to the <memoryModel> element (see targets/loihi2.xml), marked confidence=\"unverified\"",
    );
  }
  const unitBits = m.unitBits;
  const perBlock = m.entriesPerBlock;
  const header = m.blockHeaderBits;
  const entryBits = (f: ListFormat): number => {
    const idx = f.dense ? 0 : (INDEX_CODES.find((c) => c >= f.indexBits) ?? Infinity);
    return f.weightBits + f.delayBits + idx;
  };
  return {
    kind: m.kind,
    unit: "SynMem units",
    capacity: budget,
    entryBits,
    listCost: (entries, f) => blockBits(entries, entryBits(f), perBlock, header, unitBits) / unitBits,
    assumptions: [
      `SynMem unit = ${unitBits} bits, so the ${budget}-unit budget holds ${budget * unitBits} bits (the unit is unpublished)`,
      `synapse lists stored as on Loihi 1: blocks of ≤ ${perBlock} entries with a ${header}-bit header, each rounded up to whole units`,
      "entry = weight mantissa bits + delay bits + index bits (sparse lists); no tag bits",
    ],
  };
}
