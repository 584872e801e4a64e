/**
 * The fit report: does the network fit the target, and if not, why and where. Per layer (ONNX node, neurons,
 * synapses, cores, the binding resource), per core (used/max for every resource), totals (cores packed and naive,
 * chips, activity per inference, latency, an energy estimate from the target's coefficients) and a verdict.
 * Plain data, validated by schemas/fit-report.schema.json; `spikec fit --json` prints it, report.json embeds it.
 */
import { samplePeriod, samplePeriodNotes } from "../hw/sample-period.js";
import { counted } from "../util/plural.js";
import { populationSize, type HwNetwork } from "../hw/network.js";
import type { Target } from "../hw/target/target.js";
import { compileCycle, sampleSize, simulateCycleBatch } from "../sim/cycle/index.js";
import type { FitSection } from "../report/data.js";
import type { FitProblem, LayerPlacement, Placement } from "./place.js";

export const FIT_REPORT_FORMAT = "spikec.fit-report" as const;

export interface FitResource {
  name: string;
  /** Per-core capacity, or null when the target does not publish it (counted, not checked). */
  capacity: number | null;
  unit: string;
}

/** One row per placed population: the placement's own per-layer record. */
export type FitLayerRow = LayerPlacement;

export interface FitCoreRow {
  core: number;
  chip: number;
  populations: string[];
  /** Same order as FitReport.resources. */
  used: number[];
  /** used / capacity (0..1), null where the capacity is unknown. */
  utilization: (number | null)[];
}

export interface Activity {
  /** "measured": mean over `samples` cycle simulations; "bound": one spike per neuron (TTFS), every synapse once. */
  basis: "measured" | "bound";
  samples: number;
  spikes: number;
  synapticEvents: number;
  /** Measured only: input values of the samples outside the input range (clipped by the encoding, as on the chip). */
  clippedInputs?: number;
}

export interface EnergyEstimate {
  /** Always an estimate: coefficients are per-operation figures from the target file (often secondary sources). */
  estimate: true;
  nanojoules: number | null;
  terms: { coefficient: string; value: number; unit: string; count: number; nanojoules: number }[];
  note: string;
}

export interface FitReport {
  format: typeof FIT_REPORT_FORMAT;
  version: 1;
  target: string;
  targetName: string;
  fits: boolean;
  verdict: string;
  resources: FitResource[];
  layers: FitLayerRow[];
  cores: FitCoreRow[];
  totals: {
    cores: number;
    naiveCores: number;
    chips: number;
    usableCoresPerChip: number;
    neurons: number;
    synapses: number;
    spikesPerInference: number;
    synapticEventsPerInference: number;
    activity: Activity;
    latencyTicks: number;
    /** Ticks per input window the HW IR was lowered with (its input encoding's); absent in reports written before. */
    ticksPerWindow?: number;
    /** Ticks from one sample's start to the next on the chip (src/hw/sample-period.ts); absent in reports written before. */
    samplePeriodTicks?: number;
    /**
     * Placements made: 1, or more when the first left placed layers' cores over their output axon slots and layers
     * were split by their measured slots (src/place/place.ts); absent in reports written before.
     */
    placements?: number;
    energy: EnergyEstimate;
  };
  /** The resource with the highest utilization on any core. */
  binding: string;
  problems: FitProblem[];
  assumptions: string[];
}

/** Mean spikes and synaptic events per inference over `n` samples of `x` (the HW IR's raw input layout). */
export function measureActivity(net: HwNetwork, target: Target, x: Float64Array, n: number): Activity {
  const prog = compileCycle(net, target);
  const r = simulateCycleBatch(prog, x.subarray(0, n * sampleSize(prog)), n);
  // The compartments' spikes and the sources' (inputs, clocks), as the bound counts them.
  const spikes = Object.values(r.spikeCount).reduce((a, b) => a + b, 0) + r.stats.sourceSpikes;
  return { basis: "measured", samples: n, spikes: spikes / n, synapticEvents: r.stats.synapticEvents / n, clippedInputs: r.clippedInputs };
}

/**
 * TTFS bound: every neuron (and input) spikes once, clocks on their schedules, every synapse carries one event; the
 * readouts are read, not spiking.
 */
export function boundActivity(p: Placement): Activity {
  const readouts = new Set(p.net.readouts.map((r) => r.population));
  let spikes = 0;
  for (const q of p.net.populations) if (!readouts.has(q.id)) spikes += q.kind === "source" && q.schedule ? q.schedule.ticks.length : populationSize(q);
  const inputSynapses = p.prepared.net.synapses.length ? p.layers.reduce((a, l) => a + l.synapses, 0) : 0;
  return { basis: "bound", samples: 0, spikes, synapticEvents: inputSynapses };
}

function energyOf(target: Target, a: Activity): EnergyEstimate {
  const terms: EnergyEstimate["terms"] = [];
  const skipped: string[] = [];
  for (const c of target.energy) {
    const scale = c.unit === "pJ" ? 1e-3 : c.unit === "nJ" ? 1 : null;
    if (c.name === "synapticOp" && scale !== null) terms.push({ coefficient: c.name, value: c.value, unit: c.unit, count: a.synapticEvents, nanojoules: a.synapticEvents * c.value * scale });
    else skipped.push(`${c.name} (${c.value} ${c.unit})`);
  }
  const nanojoules = terms.length ? terms.reduce((s, t) => s + t.nanojoules, 0) : null;
  const note =
    (terms.length ? "synaptic events × the per-operation energy of the target file (dynamic energy only; an estimate)" : "the target file has no per-operation energy coefficient") +
    (skipped.length ? `; not used: ${skipped.join(", ")} (no per-operation count or no time per tick)` : "");
  return { estimate: true, nanojoules, terms, note };
}

export function buildFitReport(p: Placement, activity?: Activity): FitReport {
  const act = activity ?? boundActivity(p);
  const resources = p.budgets.map((b) => ({ name: b.resource, capacity: b.capacity, unit: b.unit }));
  const cores: FitCoreRow[] = p.cores.map((c) => {
    const used = p.budgets.map((b) => c.used[b.resource]);
    return {
      core: c.core,
      chip: c.chip,
      populations: [...new Set(c.tiles.map((k) => p.tiles[k]!.tile.population))],
      used,
      utilization: p.budgets.map((b, i) => (b.capacity ? used[i]! / b.capacity : null)),
    };
  });
  let binding = "neurons";
  let best = -1;
  p.budgets.forEach((b, i) => {
    for (const c of cores) {
      const u = c.utilization[i];
      if (u !== null && u !== undefined && u > best) {
        best = u;
        binding = b.resource;
      }
    }
  });
  if (p.problems.length) binding = p.problems[0]!.resource;
  const latencyTicks = p.net.readouts.reduce((a, r) => Math.max(a, r.tick), 0);
  const encoding = p.net.populations.flatMap((q) => (q.kind === "source" && q.role === "input" && q.encoding ? [q.encoding] : []))[0];
  const period = samplePeriod(p.net, p.target);
  const assumptions = [...p.memory.assumptions, ...samplePeriodNotes(p.net, p.target, period)];
  // An upper bound: the placer costs a tile before it knows the tile's compartment slots.
  assumptions.push(
    `sparse synapse lists counted with ${p.prepared.indexBits}-bit target indices (enough for any of a core's ${p.target.coreClasses[0]!.maxNeurons} compartments); lists into a core's first compartments may need fewer, so synapse memory is an upper bound`,
  );
  for (const b of p.budgets) {
    const src = p.target.provenance[budgetPath(b.resource)];
    if (b.capacity === null) assumptions.push(`${b.resource} per core: unpublished for ${p.target.name}, counted but not checked`);
    else if (src?.confidence === "unverified") assumptions.push(`${b.resource} per core = ${b.capacity} is an assumption (${src.src})`);
  }
  const usable = p.target.chip.usableCoresPerChip;
  const verdict = p.fits
    ? `fits: ${counted(p.cores.length, "core")} on ${counted(p.chips, "chip")} of ${p.target.name} (${usable} cores each); naive placement would use ${p.naiveCores}`
    : `does not fit ${p.target.name}: ${p.problems.length} problem${p.problems.length > 1 ? "s" : ""}`;
  return {
    format: FIT_REPORT_FORMAT,
    version: 1,
    target: p.target.id,
    targetName: p.target.name,
    fits: p.fits,
    verdict,
    resources,
    layers: p.layers.map((l) => ({ ...l })),
    cores,
    totals: {
      cores: p.cores.length,
      naiveCores: p.naiveCores,
      chips: p.chips,
      usableCoresPerChip: usable,
      neurons: p.layers.reduce((a, l) => a + l.neurons, 0),
      synapses: p.layers.reduce((a, l) => a + l.synapses, 0),
      spikesPerInference: act.spikes,
      synapticEventsPerInference: act.synapticEvents,
      activity: act,
      latencyTicks,
      ...(encoding ? { ticksPerWindow: encoding.ticksPerWindow } : {}),
      samplePeriodTicks: period.ticks,
      placements: p.attempts,
      energy: energyOf(p.target, act),
    },
    binding,
    problems: p.problems,
    assumptions,
  };
}

function budgetPath(r: string): string {
  const paths: Record<string, string> = {
    neurons: "coreClass.0.maxNeurons",
    "input axons": "coreClass.0.maxInputAxons",
    "output axons": "coreClass.0.maxOutputAxonSlots",
    "compartment profiles": "coreClass.0.profiles.compartment",
    thresholds: "coreClass.0.profiles.threshold",
    "synapse formats": "coreClass.0.profiles.synapseFormat",
    "neuron groups": "coreClass.0.maxNeuronGroups",
  };
  return paths[r] ?? "coreClass.0.memoryModel";
}

/** The HTML report's core-utilization panel (ReportData.fit): the resources with a known capacity. */
export function fitSectionOf(r: FitReport): FitSection {
  const known = r.resources.map((x, i) => [x, i] as const).filter(([x]) => x.capacity !== null);
  return {
    target: r.target,
    resources: known.map(([x]) => x.name),
    capacity: known.map(([x]) => x.capacity!),
    binding: r.binding,
    fits: r.fits,
    cores: r.cores.map((c) => ({ core: c.core, populations: c.populations, used: known.map(([, i]) => c.used[i]!) })),
    coresAvailable: r.totals.chips * r.totals.usableCoresPerChip,
  };
}
