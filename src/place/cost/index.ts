/** The synapse-memory cost formula a target names (`memoryModel kind`), one file per formula. */
import type { Target } from "../../hw/target/target.js";
import { lavaUnits } from "./lava-units.js";
import { loihi1SynMem } from "./loihi1-synmem.js";
import type { SynapseMemoryModel } from "./types.js";

export function memoryModelOf(target: Target, coreClass = 0): SynapseMemoryModel {
  const m = target.coreClasses[coreClass]!.memoryModel;
  switch (m.kind) {
    case "loihi1-synmem":
      return loihi1SynMem(m);
    case "lava-units":
      return lavaUnits(m, target.file);
  }
}

export type { ListFormat, SynapseMemoryModel } from "./types.js";
