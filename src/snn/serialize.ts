/**
 * network.json + network.bin: the SNN IR on disk, validated against schemas/snn-ir.schema.json on load.
 */
import { join } from "node:path";
import { existsSync, statSync } from "node:fs";
import { readWithSidecar, writeWithSidecar } from "../io/sidecar.js";
import { InputError } from "../util/errors.js";
import { compileSchema, validateOrThrow } from "../util/schema.js";
import type { SnnNetwork } from "./network.js";
import { verifyNetwork } from "./verify.js";

export const NETWORK_FILE = "network.json";

export function saveNetwork(dir: string, net: SnnNetwork): string {
  return saveNetworkFiles(dir, net).path;
}

/** saveNetwork, also returning the SHA-256 of the network.json written (hw.json names it: networkSha256). */
export function saveNetworkFiles(dir: string, net: SnnNetwork): { path: string; sha256: string } {
  const path = join(dir, NETWORK_FILE);
  return { path, sha256: writeWithSidecar(path, networkForDisk(net)) };
}

/** A projection's keys in one order, whoever built it (the mapping, the NIR importer): the mapping's. */
const PROJECTION_KEYS = ["kind", "source", "group", "weight", "kernel", "stride", "pads", "dilation", "countIncludePad", "ceilMode", "delay"];
const POOL_KEYS = ["kind", "source", "delay", "ceilMode", "kernel", "stride", "pads", "dilation"];

function ordered<T extends object>(o: T, keys: readonly string[]): T {
  const out: Record<string, unknown> = {};
  const r = o as Record<string, unknown>;
  for (const k of keys) if (k in r) out[k] = r[k];
  for (const k of Object.keys(r)) if (!(k in out)) out[k] = r[k];
  return out as T;
}

/**
 * The network as network.json spells it: projection keys in one order, so the same network gives the same bytes
 * (and the same networkSha256) whether compiled or imported from NIR (an audit found the keys reordered).
 */
export function networkForDisk(net: SnnNetwork): SnnNetwork {
  return {
    ...net,
    populations: net.populations.map((p) =>
      p.kind === "gate" ? { ...p, projection: ordered(p.projection, POOL_KEYS) } : p.kind === "spiking" || p.kind === "readout" ? { ...p, projections: p.projections.map((q) => ordered(q, PROJECTION_KEYS)) } : p,
    ),
  };
}

/** Loads DIR/network.json (or a path to the JSON file itself), checks schema and invariants. */
export function loadNetwork(dirOrFile: string): SnnNetwork {
  const path = existsSync(dirOrFile) && statSync(dirOrFile).isDirectory() ? join(dirOrFile, NETWORK_FILE) : dirOrFile;
  if (!existsSync(path)) throw new InputError(`${path} does not exist`, "pass the output folder of `spikec compile` (it holds network.json)");
  const validate = compileSchema("snn-ir.schema.json");
  const doc = readWithSidecar(path, (raw) => validateOrThrow(validate, raw, path, "recompile the network with spikec compile")) as Record<string, unknown>;
  const { sidecar: _sidecar, ...net } = doc;
  const network = net as unknown as SnnNetwork;
  try {
    verifyNetwork(network);
  } catch (e) {
    throw new InputError(`${path}: ${(e as Error).message}`, "recompile the network with spikec compile");
  }
  return network;
}
