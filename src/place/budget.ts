/**
 * The per-core budgets of a target as the placer checks them: one row per resource, with its capacity (null =
 * unpublished, counted but not checked) and where it comes from.
 */
import type { Target } from "../hw/target/target.js";
import type { SynapseMemoryModel } from "./cost/index.js";
import type { TileUsage } from "./usage.js";

export const RESOURCES = ["neurons", "input axons", "output axons", "synapse memory", "compartment profiles", "thresholds", "synapse formats", "neuron groups"] as const;
export type Resource = (typeof RESOURCES)[number];

export interface Budget {
  resource: Resource;
  capacity: number | null;
  unit: string;
}

export function budgetsOf(target: Target, mem: SynapseMemoryModel): Budget[] {
  const c = target.coreClasses[0]!;
  return [
    { resource: "neurons", capacity: c.maxNeurons, unit: "compartments" },
    { resource: "input axons", capacity: c.maxInputAxons, unit: "axons" },
    { resource: "output axons", capacity: c.maxOutputAxonSlots, unit: "slots" },
    { resource: "synapse memory", capacity: mem.capacity, unit: mem.unit },
    { resource: "compartment profiles", capacity: c.profiles.compartment, unit: "entries" },
    { resource: "thresholds", capacity: c.profiles.threshold, unit: "entries" },
    { resource: "synapse formats", capacity: c.profiles.synapseFormat, unit: "entries" },
    { resource: "neuron groups", capacity: c.maxNeuronGroups, unit: "groups" },
  ];
}

/** Amount of each resource a tile alone uses (output axons: an earlier placement's estimate, else 0: they depend on where the targets go). */
export function tileAmounts(u: TileUsage): Record<Resource, number> {
  return {
    neurons: u.neurons,
    "input axons": u.axons.count,
    "output axons": u.outputSlots,
    "synapse memory": u.memory,
    "compartment profiles": u.compartmentProfiles.size,
    thresholds: u.thresholds.size,
    "synapse formats": u.formatsNeeded,
    "neuron groups": 1,
  };
}

/** The largest used/capacity ratio over the checked resources, and the resource that has it. */
export function worstRatio(amounts: Record<Resource, number>, budgets: Budget[]): { ratio: number; resource: Resource } {
  let ratio = 0;
  let resource: Resource = "neurons";
  for (const b of budgets) {
    if (b.capacity === null) continue;
    const r = amounts[b.resource] / b.capacity;
    if (r > ratio) {
      ratio = r;
      resource = b.resource;
    }
  }
  return { ratio, resource };
}
