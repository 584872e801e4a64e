/**
 * The spikec TTFS profile of NIR: names and constants shared by export.ts and import.ts.
 *
 * Graph metadata `spikec` holds the network-level TTFS parameters; every population's spike-output node (its IF
 * neuron, or the Input / readout node) holds `spikec_population` with the population's own parameters in float64,
 * so that our importer restores the SNN IR bit for bit. Large weights live in the Linear/Conv2d nodes themselves,
 * written as float64.
 */
import { sha256 } from "../util/sha256.js";
import { isMetadataDict, type NirMetadata, type NirMetadataValue } from "./metadata.js";
import type { NirTensor } from "./tensor.js";

export const TTFS_PROFILE = "spikec.ttfs";
/**
 * 3: the graph metadata carries `metadata_sha256`, a digest of every spikec metadata entry (metadataDigest), so an
 * edit to a parameter that only the metadata holds (the input range, a readout ReLU) is caught on import.
 * 2: grouped convs written ungrouped (block-diagonal), and each projection's metadata carries the SHA-256 of its
 * weights, so an edit to a weight node is caught on import. 1: grouped convs as grouped, no digests (still read).
 */
export const TTFS_PROFILE_VERSION = 3n;

/** SHA-256 (hex) of float64 weights, little-endian: what import compares with a projection's weight node. */
export function weightDigest(w: Float64Array): string {
  const bytes = new Uint8Array(w.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < w.length; i++) view.setFloat64(i * 8, w[i]!, true);
  return sha256(bytes);
}

/**
 * v_reset of the IF neurons: far below any threshold, so a neuron fires once over the simulated horizon
 * (finite, not −∞: many simulators compute v·(1 − z) + z·v_reset, and 0·∞ is NaN). Exact as long as
 * V_RESET + horizon·max|dV/dt| < θ, i.e. for any network whose currents stay below 1e25 per time unit.
 */
export const FIRE_ONCE_V_RESET = -1e30;

/** A node name from a population's ONNX origin: letters, digits and '_' only (NIRTorch renames dots). */
export function nodeBaseName(origin: { name: string }[], fallback: string): string {
  const raw = origin.length ? origin[0]!.name : fallback;
  const clean = raw.replace(/[^A-Za-z0-9_]+/g, "_").replace(/^_+|_+$/g, "");
  return clean || fallback.replace(/[^A-Za-z0-9_]+/g, "_") || "population";
}

/** A metadata value as text that does not depend on how HDF5 gave it back (key order, typed-array kind). */
function canonical(v: NirMetadataValue): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "bigint") return `i${v}`;
  if (typeof v === "number") return `d${weightDigest(Float64Array.of(v)).slice(0, 16)}`;
  if (Array.isArray(v)) return `[${v.map((x) => JSON.stringify(x)).join(",")}]`;
  if (isMetadataDict(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k]!)}`).join(",")}}`;
  const t = v as NirTensor;
  return `t[${t.shape.join(",")}]${weightDigest(Float64Array.from(t.data as ArrayLike<number | bigint>, Number))}`;
}

/**
 * SHA-256 of the spikec metadata: the graph's `spikec` entry (without its metadata_sha256) and each population's
 * `spikec_population`, in the order of `population_nodes`. Export records it; import recomputes it from the file.
 */
export function metadataDigest(graphMeta: NirMetadata, populationMetas: readonly NirMetadata[]): string {
  const { metadata_sha256: _digest, ...rest } = graphMeta;
  return sha256([canonical(rest), ...populationMetas.map(canonical)].join("\n"));
}
