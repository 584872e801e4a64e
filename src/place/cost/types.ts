/**
 * A per-core synapse-memory cost formula, selected by the target file's `memoryModel kind` (shared/spec/targets.md §7,
 * "numbers in data, cost formulas by name"). One file per formula in this folder; ./index.ts picks by name.
 */

/** The field widths of one synapse list: what a synapse format (a core's format table entry) fixes. */
export interface ListFormat {
  /** Stored weight bits (before the code table rounds them up). */
  weightBits: number;
  delayBits: number;
  /** Dense lists store every target of a contiguous run (no index field); sparse lists store an index per synapse. */
  dense: boolean;
  /** Index bits a sparse entry needs (ceil(log2(compartments addressable))). Ignored when dense. */
  indexBits: number;
}

export interface SynapseMemoryModel {
  kind: string;
  /** Unit of `capacity` and of every cost, e.g. "bits". */
  unit: string;
  /** Per-core budget, in `unit`. */
  capacity: number;
  /** Cost of one input axon's list of `entries` synapses in one format (0 entries cost nothing). */
  listCost(entries: number, format: ListFormat): number;
  /** Bits per entry for this format after the code tables (for the report and tests). */
  entryBits(format: ListFormat): number;
  /** Numbers the formula rests on that no source confirms, in words (the fit report lists them). */
  assumptions: string[];
}

/** The smallest code ≥ `bits` in a field-width code table, or Infinity when none is wide enough. */
export function codeFor(codes: readonly number[], bits: number): number {
  let best = Infinity;
  for (const c of codes) if (c >= bits && c < best) best = c;
  return best;
}

/**
 * nengo-loihi's per-axon block storage (SynapseConfig.bits_per_axon): the list is cut into blocks of ≤ `perBlock`
 * entries, each costing `n·wb + header` bits rounded up to a whole word.
 */
export function blockBits(entries: number, wb: number, perBlock: number, header: number, wordBits: number): number {
  if (entries <= 0) return 0;
  const full = Math.floor(entries / perBlock);
  const rest = entries - full * perBlock;
  const block = (n: number) => Math.ceil((n * wb + header) / wordBits) * wordBits;
  return full * block(perBlock) + (rest > 0 ? block(rest) : 0);
}
