/** The synapse-memory cost formula a target names (`memoryModel kind`), one file per formula. */
import type { Target } from "../../hw/target/target.js";
import { InputError } from "../../util/errors.js";
import { lavaUnits } from "./lava-units.js";
import { loihi1SynMem } from "./loihi1-synmem.js";
import type { SynapseMemoryModel } from "./types.js";

export function memoryModelOf(target: Target, coreClass = 0): SynapseMemoryModel {
  const core = target.coreClasses[coreClass]!;
  const m = core.memoryModel;
  const model = m.kind === "loihi1-synmem" ? loihi1SynMem(m) : lavaUnits(m, target.file);
  // A sparse entry must be able to name any of a core's compartments: a list format with no index code that wide
  // costs Infinity, and memory sums of NaN then passed every capacity check (an audit's 8192-neuron core "fit").
  const indexBits = Math.max(1, Math.ceil(Math.log2(core.maxNeurons)));
  if (!Number.isFinite(model.entryBits({ weightBits: 1, delayBits: 0, indexBits, dense: false })))
    throw new InputError(
      `target file ${target.file}: a core of ${core.maxNeurons} compartments needs ${indexBits}-bit synapse indices, which the memory model '${m.kind}' has no code for`,
      "lower <coreClass>/<maxNeurons> to what the index codes address, or add the wider index code to the memory model",
    );
  return model;
}

export type { ListFormat, SynapseMemoryModel } from "./types.js";
