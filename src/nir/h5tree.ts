/**
 * HDF5 files as plain trees of groups and datasets, through h5wasm (HDF5 compiled to WebAssembly).
 * This is the only module that talks to h5wasm; read.ts and write.ts map trees to NIR graphs.
 * HDF5 errors are turned into exceptions (not printed) and reported as InputError naming the file.
 */
import { existsSync, openSync, readSync, closeSync, statSync } from "node:fs";
import h5wasm from "h5wasm/node";
import type { Dataset as H5Dataset, Group as H5Group } from "h5wasm/node";
import { BrokenSoftLink } from "h5wasm/node";
import { InputError } from "../util/errors.js";
import type { NirNumericArray } from "./tensor.js";

export type DtypeClass = "int" | "float" | "string" | "other";

export interface DtypeInfo {
  class: DtypeClass;
  /** Bytes per element (4 for a vlen string pointer). */
  size: number;
  signed: boolean;
  /** Strings: variable length, and character set. */
  vlen: boolean;
  cset?: "ascii" | "utf-8";
}

export interface TreeDataset {
  kind: "dataset";
  dtype: DtypeInfo;
  /** [] for a scalar (0-d) dataset. */
  shape: number[];
  /** Numbers as a typed array of the stored dtype, strings as a list; flat in C order (length 1 for scalars). */
  value: NirNumericArray | string[];
  /** Storage, for layout comparisons: contiguous/scalar, or chunked with filters. */
  chunked: boolean;
  compressed: boolean;
  attributes: string[];
}

export interface TreeGroup {
  kind: "group";
  children: Map<string, TreeGroup | TreeDataset>;
  attributes: string[];
}

export type TreeNode = TreeGroup | TreeDataset;

let ready: Promise<void> | undefined;
/** Loads the WASM module once and makes HDF5 errors throw instead of printing to stderr. */
export function h5Ready(): Promise<void> {
  ready ??= h5wasm.ready.then((m) => {
    m.activate_throwing_error_handler();
  });
  return ready;
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** HDF5 puts its signature at byte 0, 512, 1024, 2048, … (a user block may precede it). */
function hasHdf5Signature(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const size = statSync(path).size;
    const buf = Buffer.alloc(8);
    for (let offset = 0; offset + 8 <= size; offset = offset === 0 ? 512 : offset * 2) {
      readSync(fd, buf, 0, 8, offset);
      if (HDF5_SIGNATURE.every((b, i) => buf[i] === b)) return true;
      if (offset > 1 << 20) break;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}

/** The last "minor:" line of an HDF5 error stack: the most specific reason. */
export function hdf5Reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const minors = [...text.matchAll(/minor: (.*)/g)].map((m) => m[1]!.trim());
  return minors.length ? minors[minors.length - 1]! : text.split("\n")[0]!;
}

function dtypeInfo(m: { type: number; size: number; signed: boolean; vlen: boolean; cset?: number }): DtypeInfo {
  // HDF5 type classes: 0 integer, 1 float, 3 string.
  const cls: DtypeClass = m.type === 0 ? "int" : m.type === 1 ? "float" : m.type === 3 ? "string" : "other";
  const info: DtypeInfo = { class: cls, size: m.size, signed: m.signed, vlen: m.vlen };
  if (cls === "string") info.cset = m.cset === 1 ? "utf-8" : "ascii";
  return info;
}

function typedArrayFor(d: DtypeInfo, values: ArrayLike<number | bigint>): NirNumericArray {
  const n = values.length;
  const from = <T extends NirNumericArray>(make: (n: number) => T, big: boolean): T => {
    const out = make(n);
    for (let i = 0; i < n; i++) (out as unknown as (number | bigint)[])[i] = big ? BigInt(values[i]!) : Number(values[i]!);
    return out;
  };
  if (d.class === "float") return d.size === 4 ? from((k) => new Float32Array(k), false) : from((k) => new Float64Array(k), false);
  switch (`${d.signed ? "i" : "u"}${d.size}`) {
    case "i1": return from((k) => new Int8Array(k), false);
    case "i2": return from((k) => new Int16Array(k), false);
    case "i4": return from((k) => new Int32Array(k), false);
    case "i8": return from((k) => new BigInt64Array(k), true);
    case "u1": return from((k) => new Uint8Array(k), false);
    case "u2": return from((k) => new Uint16Array(k), false);
    case "u4": return from((k) => new Uint32Array(k), false);
    default: return from((k) => new BigUint64Array(k), true);
  }
}

function readDataset(ds: H5Dataset): TreeDataset {
  const meta = ds.metadata;
  const dtype = dtypeInfo(meta);
  const shape = meta.shape ?? [];
  const raw = ds.value;
  let value: NirNumericArray | string[];
  if (dtype.class === "string") {
    const list: unknown[] = Array.isArray(raw) ? (raw as unknown[]).flat(8) : raw === null ? [] : [raw];
    value = list.map((s) => (typeof s === "string" ? s.replace(/\0+$/, "") : String(s)));
  } else if (dtype.class === "int" || dtype.class === "float") {
    if (ArrayBuffer.isView(raw)) value = raw as NirNumericArray;
    else if (typeof raw === "number" || typeof raw === "bigint") value = typedArrayFor(dtype, [raw]);
    else value = typedArrayFor(dtype, []);
  } else {
    value = [];
  }
  const filters = ds.filters;
  return {
    kind: "dataset",
    dtype,
    shape,
    value,
    chunked: meta.chunks !== null && meta.chunks !== undefined,
    compressed: filters.length > 0,
    attributes: Object.keys(ds.attrs),
  };
}

/**
 * Bounds on what a file may hold: a hard link back to a parent group makes the tree infinite, and deep or widely
 * shared groups make it huge. NIR files nest a few levels (graph, nodes, subgraphs, metadata dicts).
 */
const MAX_DEPTH = 64;
const MAX_ENTRIES = 4_000_000;

class TreeTooLarge extends Error {}

/** A link NIR readers cannot follow: to another file, or to nothing. */
class UnreadableLink extends Error {}

/**
 * Refuses an external link (a NIR file is one file; following it opens another file, or this one again, endlessly)
 * and a soft link to nothing (the reference reader fails on it), without following either.
 */
function checkLink(g: H5Group, name: string): void {
  const path = `${g.path === "/" ? "" : g.path}/${name}`;
  const external = g.get_external_link(path) as { filename?: string; obj_path?: string };
  if (external.filename !== undefined)
    throw new UnreadableLink(`${path} is an external link to ${external.obj_path ?? "?"} in ${external.filename}; a NIR file holds its whole graph itself`);
  const target = g.get_link(path) as string | null;
  if (target !== null && g.get(name) instanceof BrokenSoftLink) throw new UnreadableLink(`${path} is a soft link to ${target}, which does not exist`);
}

function readGroup(g: H5Group, depth = 0, count = { entries: 0 }): TreeGroup {
  if (depth > MAX_DEPTH) throw new TreeTooLarge(`groups nest deeper than ${MAX_DEPTH} levels at ${g.path.length > 100 ? `${g.path.slice(0, 100)}…` : g.path} (a hard link back to a parent group makes an endless tree)`);
  const children = new Map<string, TreeNode>();
  for (const name of g.keys()) {
    if (++count.entries > MAX_ENTRIES) throw new TreeTooLarge(`more than ${MAX_ENTRIES.toLocaleString("en-US")} groups and datasets (links that share groups repeat them)`);
    checkLink(g, name);
    const e = g.get(name);
    if (e instanceof h5wasm.Group) children.set(name, readGroup(e, depth + 1, count));
    else if (e instanceof h5wasm.Dataset) children.set(name, readDataset(e));
    // links to nowhere and committed datatypes are not part of NIR; leaving them out makes the checker report them missing
  }
  return { kind: "group", children, attributes: Object.keys(g.attrs) };
}

/** Reads a whole HDF5 file as a tree. Throws InputError when the file is missing, not HDF5, or damaged. */
export async function readHdf5Tree(path: string): Promise<TreeGroup> {
  if (!existsSync(path)) throw new InputError(`${path}: no such file`, "check the path");
  if (!statSync(path).isFile()) throw new InputError(`${path}: not a file`, "pass a .nir file");
  if (!hasHdf5Signature(path)) {
    throw new InputError(`${path}: not an HDF5 file (no HDF5 signature), so not a NIR file`, "pass a file written by nir.write (HDF5) or by `spikec export nir`");
  }
  await h5Ready();
  let file: InstanceType<typeof h5wasm.File> | undefined;
  try {
    file = new h5wasm.File(path, "r");
    return readGroup(file);
  } catch (e) {
    if (e instanceof TreeTooLarge) throw new InputError(`${path}: not a NIR file: ${e.message}`, "pass a file written by nir.write or `spikec export nir`");
    if (e instanceof UnreadableLink) throw new InputError(`${path}: not a NIR file: ${e.message}`, "write the file again with nir.write (it writes no links), or copy the linked objects into it");
    const why = hdf5Reason(e);
    // h5wasm reads no 16-bit floats: the file is fine, the reader is not (numpy float16 parameters).
    if (/float16/i.test(why))
      throw new InputError(`${path}: a dataset holds float16 values, which spikec's HDF5 reader (h5wasm) cannot read (${why})`, "write the parameters as float32 or float64 (e.g. cast the arrays before nir.write)");
    throw new InputError(`${path}: the HDF5 file cannot be read (${why}); it may be truncated or damaged`, "write the file again, or copy it completely");
  } finally {
    try {
      file?.close();
    } catch {
      // closing a file that failed to open fully: nothing to release
    }
  }
}

/** A dataset to write. dtype in h5wasm's notation: "<f" float32, "<d" float64, "<q" int64, "S" vlen UTF-8. */
export interface DatasetSpec {
  kind: "dataset";
  dtype: "<f" | "<d" | "<q" | "<i" | "S";
  shape: number[];
  data: NirNumericArray | string[];
  /** gzip, one chunk (what the reference does for numpy arrays since nir 1.0.8.dev); ignored when empty. */
  compress?: boolean;
}

export interface GroupSpec {
  kind: "group";
  children: Map<string, GroupSpec | DatasetSpec>;
}

function writeGroup(g: H5Group, spec: GroupSpec): void {
  for (const [name, child] of spec.children) {
    if (child.kind === "group") writeGroup(g.create_group(name), child);
    else {
      const n = child.shape.reduce((a, b) => a * b, 1);
      const compress = child.compress === true && n > 0 && child.dtype !== "S" && child.shape.length > 0;
      const data = child.dtype === "S" && child.shape.length === 0 ? (child.data as string[])[0]! : child.data;
      g.create_dataset({
        name,
        data: data as NirNumericArray | string | string[],
        shape: child.shape,
        dtype: child.dtype,
        ...(compress ? { chunks: child.shape, compression: "gzip" as const, compression_opts: 4 } : {}),
      });
    }
  }
}

/** Writes a tree as a new HDF5 file (superblock 0 like h5py's default, no attributes). */
export async function writeHdf5Tree(path: string, root: GroupSpec): Promise<void> {
  await h5Ready();
  atEpoch(() => {
    let file: InstanceType<typeof h5wasm.File>;
    try {
      file = new h5wasm.File(path, "w", { libver: ["earliest", "latest"] });
    } catch (e) {
      throw new InputError(`${path}: creating the HDF5 file failed (${hdf5Reason(e)})`, "check that the folder is writable and the name not too long");
    }
    let failure: unknown;
    try {
      writeGroup(file, root);
    } catch (e) {
      failure = e;
    }
    // Closing flushes to disk: a full disk or a size limit shows here.
    try {
      file.close();
    } catch (e) {
      failure ??= e;
    }
    if (failure !== undefined) throw new InputError(`${path}: writing the HDF5 file failed (${hdf5Reason(failure)})`, "check that the folder is writable, the disk not full and no file size limit is hit");
  });
}

/**
 * Runs `write` with the wall clock reading 0. HDF5 stamps every object it creates with the time, so two writes of one
 * graph differed in those bytes; h5wasm does not bind H5Pset_obj_track_times to turn it off, and its C library reads
 * the clock through Date.now. The reference package's files carry 0 too. The write is synchronous, so nothing else
 * runs while the clock is stopped.
 */
function atEpoch(write: () => void): void {
  const now = Date.now;
  Date.now = () => 0;
  try {
    write();
  } finally {
    Date.now = now;
  }
}
