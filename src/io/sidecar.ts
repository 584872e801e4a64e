/**
 * JSON + binary sidecar: a plain-data IR whose large numeric arrays are typed arrays is written as a JSON document in
 * which every typed array is replaced by a reference {"$array": dtype, "offset": bytes, "length": n} into one binary
 * file (little-endian, each array 8-byte aligned). Deterministic: the same object gives byte-identical files.
 *
 * The JSON records the sidecar's SHA-256 (`sidecarSha256`), checked on reading: the two files are written one after
 * the other, so an interrupted write (a crash, Ctrl-C, a full disk, two processes on one folder) can leave a JSON
 * beside another run's sidecar of the same size, whose arrays would be read as this network's without it.
 */
import { readRegularFile } from "./regular-file.js";
import { basename } from "node:path";
import { InputError } from "../util/errors.js";
import { writeFileAtomic } from "./atomic.js";
import { sha256 } from "../util/sha256.js";

type Typed = Float64Array | Float32Array | Int32Array | Int8Array | Uint8Array | Int16Array;

const DTYPES = {
  float64: Float64Array,
  float32: Float32Array,
  int32: Int32Array,
  int16: Int16Array,
  int8: Int8Array,
  uint8: Uint8Array,
} as const;
type Dtype = keyof typeof DTYPES;

export interface ArrayRef {
  $array: Dtype;
  offset: number;
  length: number;
}

function dtypeOf(a: Typed): Dtype {
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Int32Array) return "int32";
  if (a instanceof Int16Array) return "int16";
  if (a instanceof Int8Array) return "int8";
  return "uint8";
}

const isTyped = (v: unknown): v is Typed => ArrayBuffer.isView(v) && !(v instanceof DataView);

/** Splits an object into its JSON text and binary sidecar. */
export function encodeWithSidecar(value: unknown, binName: string): { json: string; bin: Uint8Array } {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const replace = (v: unknown): unknown => {
    if (isTyped(v)) {
      const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      const ref: ArrayRef = { $array: dtypeOf(v), offset, length: v.length };
      chunks.push(bytes.slice());
      const pad = (8 - (bytes.length % 8)) % 8;
      if (pad) chunks.push(new Uint8Array(pad));
      offset += bytes.length + pad;
      return ref;
    }
    if (Array.isArray(v)) return v.map(replace);
    if (v !== null && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = replace(x);
      return out;
    }
    if (typeof v === "number" && !Number.isFinite(v)) return { $number: String(v) };
    return v;
  };
  const doc = replace(value) as Record<string, unknown>;
  const bin = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) {
    bin.set(c, at);
    at += c.length;
  }
  const json = JSON.stringify({ ...doc, sidecar: binName, sidecarSha256: sha256(bin) }, null, 1) + "\n";
  return { json, bin };
}

function parseJson(json: string, file: string): unknown {
  try {
    return JSON.parse(json);
  } catch (e) {
    // A binary file (a NIR/HDF5 file, an .onnx) given where spikec's JSON goes: say what it is, not its bytes.
    if (json.startsWith("\u0089HDF") || json.startsWith("\ufffdHDF"))
      throw new InputError(`${file} is an HDF5 file (a NIR graph?), not spikec's JSON`, "pass the output folder of spikec compile (it holds network.json); check a NIR file with spikec nir check FILE, or read it with spikec import nir FILE -o DIR");
    if (/[\u0000-\u0008\ufffd]/.test(json.slice(0, 64))) throw new InputError(`${file} is a binary file, not spikec's JSON`, "pass the output folder of spikec compile (it holds network.json)");
    throw new InputError(`${file} is not valid JSON (${(e as Error).message})`, "recompile the network with spikec compile");
  }
}

/**
 * Rebuilds the object from JSON text and sidecar bytes; `check` sees the raw JSON document first (schema validation).
 * The sidecar must be the one the JSON was written with (its SHA-256; files written before it was recorded: unchecked).
 */
export function decodeWithSidecar(json: string, bin: Uint8Array, file: string, check?: (doc: unknown) => void): unknown {
  const doc = parseJson(json, file);
  check?.(doc);
  const recorded = doc !== null && typeof doc === "object" ? (doc as { sidecarSha256?: unknown }).sidecarSha256 : undefined;
  if (typeof recorded === "string" && recorded !== sha256(bin)) {
    const name = (doc as { sidecar?: unknown }).sidecar;
    throw new InputError(
      `${file}: its sidecar ${typeof name === "string" ? name : ""} is not the one it was written with (SHA-256 differs): the folder holds files of two different runs (an interrupted or concurrent write)`,
      "write the folder again (spikec compile, or spikec import nir)",
    );
  }
  const revive = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(revive);
    if (v !== null && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (typeof o.$array === "string") {
        const Ctor = DTYPES[o.$array as Dtype];
        const off = o.offset as number;
        const len = o.length as number;
        if (!Ctor || off + len * Ctor.BYTES_PER_ELEMENT > bin.length) {
          throw new InputError(`${file}: array reference outside the sidecar (offset ${off}, ${len} × ${o.$array})`, "the sidecar file is truncated or belongs to another network; recompile");
        }
        // Copy into a fresh, aligned buffer (a Node Buffer's slice() is a view into a shared pool).
        const copy = new Uint8Array(len * Ctor.BYTES_PER_ELEMENT);
        copy.set(bin.subarray(off, off + copy.length));
        return new Ctor(copy.buffer, 0, len);
      }
      if (typeof o.$number === "string") return Number(o.$number);
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(o)) out[k] = revive(x);
      return out;
    }
    return v;
  };
  // The digest belongs to the file pair, not to the object it holds.
  const { sidecarSha256: _digest, ...rest } = revive(doc) as Record<string, unknown>;
  return rest;
}

/** Writes the pair; returns the SHA-256 of the JSON text written (what another file can name it by). */
export function writeWithSidecar(jsonPath: string, value: unknown): string {
  const binPath = jsonPath.replace(/\.json$/, "") + ".bin";
  const { json, bin } = encodeWithSidecar(value, binPath.split("/").pop()!);
  // The sidecar first: a crash between the two renames leaves the previous JSON, whose recorded digest rejects it.
  writeFileAtomic(binPath, bin);
  writeFileAtomic(jsonPath, json);
  return sha256(json);
}

export function readWithSidecar(jsonPath: string, check?: (doc: unknown) => void): unknown {
  let json: string;
  try {
    json = readRegularFile(jsonPath, "utf8");
  } catch (e) {
    throw new InputError(`cannot read ${jsonPath}: ${(e as Error).message}`, "pass the output folder of spikec compile");
  }
  const doc = parseJson(json, jsonPath);
  const sidecar = doc !== null && typeof doc === "object" ? (doc as { sidecar?: unknown }).sidecar : undefined;
  if (typeof sidecar !== "string" || sidecar.includes("/")) {
    throw new InputError(`${jsonPath} names no sidecar file (its .bin), so spikec did not write it`, `pass the ${basename(jsonPath)} that spikec wrote (spikec compile writes it with its .bin beside it)`);
  }
  const binPath = jsonPath.replace(/[^/]+$/, "") + sidecar;
  let bin: Uint8Array;
  try {
    bin = readRegularFile(binPath);
  } catch (e) {
    throw new InputError(`cannot read the sidecar ${binPath} of ${jsonPath}: ${(e as Error).message}`, "keep the .bin file next to the .json file");
  }
  return decodeWithSidecar(json, bin, jsonPath, check);
}
