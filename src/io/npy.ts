/**
 * NumPy .npy files (format 1.0/2.0/3.0, little-endian, C order): the data format of calibration sets, inputs and
 * logits. Everything is read into float64.
 */
import { notRegularFile } from "./regular-file.js";
import { readFileSync, statSync } from "node:fs";
import { InputError } from "../util/errors.js";
import { writeFileAtomic } from "./atomic.js";

export interface NpyArray {
  shape: number[];
  /** NumPy dtype descr as stored, e.g. "<f4". */
  dtype: string;
  data: Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Element readers by dtype descr; "|u1" and "<u1" are the same. */
const READERS: Record<string, { size: number; read: (v: DataView, o: number) => number }> = {
  "<f4": { size: 4, read: (v, o) => v.getFloat32(o, true) },
  "<f8": { size: 8, read: (v, o) => v.getFloat64(o, true) },
  "<f2": { size: 2, read: (v, o) => halfToFloat(v.getUint16(o, true)) },
  "|u1": { size: 1, read: (v, o) => v.getUint8(o) },
  "|i1": { size: 1, read: (v, o) => v.getInt8(o) },
  "<i4": { size: 4, read: (v, o) => v.getInt32(o, true) },
  "<i8": { size: 8, read: (v, o) => Number(v.getBigInt64(o, true)) },
};

export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * The header dict, read strictly: exactly the keys descr, fortran_order and shape, each once (NumPy refuses other
 * keys; a repeated one is read last-wins by NumPy and would otherwise be read differently here), shape a tuple of
 * decimal whole numbers.
 */
function parseHeader(text: string, file: string): { descr: string; fortran: boolean; shape: number[] } {
  const malformed = (why: string) => new InputError(`${file}: malformed .npy header (${why}): ${JSON.stringify(text.trim())}`, "re-save the array with numpy.save");
  const body = /^\s*\{([^]*)\}\s*$/.exec(text)?.[1];
  if (body === undefined) throw malformed("not a dict");
  const entry = /\s*'([^']*)'\s*:\s*(?:'([^']*)'|(True|False)|\(([^)]*)\))\s*(?:,|$)/y;
  const seen = new Map<string, { text?: string; flag?: string; tuple?: string }>();
  while (entry.lastIndex < body.length && body.slice(entry.lastIndex).trim() !== "") {
    const at = entry.lastIndex;
    const m = entry.exec(body);
    if (!m) throw malformed(`cannot read it from ${JSON.stringify(body.slice(at, at + 20))}`);
    const key = m[1]!;
    if (!["descr", "fortran_order", "shape"].includes(key)) throw malformed(`unknown key '${key}'`);
    if (seen.has(key)) throw malformed(`key '${key}' given twice`);
    seen.set(key, { text: m[2], flag: m[3], tuple: m[4] });
  }
  const descr = seen.get("descr")?.text;
  const fortran = seen.get("fortran_order")?.flag;
  const shapeText = seen.get("shape")?.tuple;
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw malformed("descr, fortran_order and shape are needed");
  const dims = shapeText.split(",").map((d) => d.trim());
  if (dims.at(-1) === "" && dims.length > 1) dims.pop();
  if (dims.length === 1 && dims[0] === "") dims.pop();
  if (dims.some((d) => !/^\d+$/.test(d) || !Number.isSafeInteger(Number(d)))) {
    throw new InputError(`${file}: malformed .npy header: shape (${shapeText.trim()}) is not a tuple of whole numbers ≥ 0`, "re-save the array with numpy.save");
  }
  const shape = dims.map(Number);
  return { descr: descr.replace(/^=/, "<").replace(/^<u1$/, "|u1").replace(/^<i1$/, "|i1"), fortran: fortran === "True", shape };
}

/** Parses .npy bytes; `file` names the source in messages. */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new InputError(`${file} is not a .npy file (no \\x93NUMPY magic)`, "save the array with numpy.save(path, array)");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw new InputError(`${file}: .npy format version ${major}.${bytes[7]} is not one NumPy writes (1.0, 2.0, 3.0)`, "re-save the array with numpy.save");
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) throw new InputError(`${file}: truncated .npy header`, "the file is incomplete; save it again");
  const header = parseHeader(Buffer.from(bytes.subarray(headerStart, dataStart)).toString("latin1"), file);
  const reader = READERS[header.descr];
  if (!reader) {
    throw new InputError(
      `${file}: unsupported dtype '${header.descr}'`,
      "save inputs as float32, float64 or uint8 (e.g. x.astype(numpy.float32)), labels as whole numbers (int64, int32 or uint8)",
    );
  }
  if (header.fortran) {
    throw new InputError(`${file}: Fortran-ordered array`, "save a C-ordered copy: numpy.save(path, numpy.ascontiguousarray(x))");
  }
  const count = header.shape.reduce((a, b) => a * b, 1);
  const need = dataStart + count * reader.size;
  if (bytes.length < need) {
    throw new InputError(
      `${file}: truncated data (${bytes.length - dataStart} bytes for shape [${header.shape.join(", ")}], ${count * reader.size} expected)`,
      "the file is incomplete; save it again",
    );
  }
  // numpy.load reads the first array and ignores the rest: bytes after it are a second array appended to the file
  // (numpy.save twice into one open file) or damage, and either way not the data the header describes.
  if (bytes.length > need) {
    throw new InputError(
      `${file}: ${bytes.length - need} bytes after the array its header describes (shape [${header.shape.join(", ")}], ${count * reader.size} bytes of data)`,
      "save one array per file with numpy.save (a second numpy.save into the same open file appends another array)",
    );
  }
  const data = new Float64Array(count);
  if (header.descr === "<f8" && (bytes.byteOffset + dataStart) % 8 === 0) {
    data.set(new Float64Array(bytes.buffer, bytes.byteOffset + dataStart, count));
  } else if (header.descr === "<f4" && (bytes.byteOffset + dataStart) % 4 === 0) {
    data.set(new Float32Array(bytes.buffer, bytes.byteOffset + dataStart, count));
  } else {
    for (let i = 0; i < count; i++) data[i] = reader.read(view, dataStart + i * reader.size);
  }
  return { shape: header.shape, dtype: header.descr, data };
}

export function readNpy(path: string): NpyArray {
  let bytes: Uint8Array;
  try {
    const what = notRegularFile(statSync(path));
    if (what !== null) throw new InputError(`${path} is ${what}, not a .npy file`, "pass the path of a .npy file");
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read ${path}: ${(e as Error).message}`, "check the path");
  }
  return parseNpy(bytes, path);
}

/** Encodes a float64 (or int64) array as .npy 1.0 bytes. */
export function encodeNpy(shape: readonly number[], data: ArrayLike<number>, dtype: "<f8" | "<i8" | "<f4" = "<f8"): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += " ".repeat((64 - (total % 64)) % 64) + "\n";
  const size = dtype === "<f4" ? 4 : 8;
  const out = new Uint8Array(10 + header.length + data.length * size);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  out.set(Buffer.from(header, "latin1"), 10);
  const base = 10 + header.length;
  for (let i = 0; i < data.length; i++) {
    if (dtype === "<f8") view.setFloat64(base + i * 8, data[i]!, true);
    else if (dtype === "<f4") view.setFloat32(base + i * 4, data[i]!, true);
    else view.setBigInt64(base + i * 8, BigInt(Math.round(data[i]!)), true);
  }
  return out;
}

export function writeNpy(path: string, shape: readonly number[], data: ArrayLike<number>, dtype: "<f8" | "<i8" | "<f4" = "<f8"): void {
  writeFileAtomic(path, encodeNpy(shape, data, dtype));
}

/** NumPy's names of the dtypes READERS takes, for messages. */
const DTYPE_NAMES: Record<string, string> = { "<f4": "float32", "<f8": "float64", "<f2": "float16", "|u1": "uint8", "|i1": "int8", "<i4": "int32", "<i8": "int64" };

/** The dtypes samples may have (README, docs/formats.md); an int or half array is most often the wrong file. */
const SAMPLE_DTYPES = new Set(["<f4", "<f8", "|u1"]);

/**
 * Checks that an array holds samples of the model's input shape: [N, ...inputShape], stored as float32, float64 or
 * uint8. A single sample without the batch axis is accepted as N = 1. Returns N.
 */
export function checkSamples(arr: NpyArray, inputShape: readonly number[], file: string): number {
  if (!SAMPLE_DTYPES.has(arr.dtype)) {
    throw new InputError(
      `${file} holds ${DTYPE_NAMES[arr.dtype] ?? arr.dtype} values; samples must be float32, float64 or uint8`,
      "save the samples as one of those, e.g. numpy.save(path, x.astype(numpy.float32))",
    );
  }
  const size = inputShape.reduce((a, b) => a * b, 1);
  const rest = arr.shape.slice(1);
  if (arr.shape.length === inputShape.length + 1 && rest.every((d, i) => d === inputShape[i])) return arr.shape[0]!;
  if (arr.shape.length === inputShape.length && arr.shape.every((d, i) => d === inputShape[i])) return 1;
  throw new InputError(
    `${file} has shape [${arr.shape.join(", ")}], but the model expects [N, ${inputShape.join(", ")}] (N samples of ${size} values)`,
    `reshape the data to [N, ${inputShape.join(", ")}] before saving it`,
  );
}

/** NaN or infinite values in data are refused. */
export function checkFinite(arr: NpyArray, file: string): void {
  for (let i = 0; i < arr.data.length; i++) {
    if (!Number.isFinite(arr.data[i]!)) {
      throw new InputError(`${file} contains a non-finite value (${arr.data[i]}) at flat index ${i}`, "replace or drop the samples with NaN or Inf (e.g. numpy.nan_to_num) and save the file again");
    }
  }
}

/** Reads class labels: shape [N], whole numbers ≥ 0 (any numeric dtype; numpy's default int64 included). */
export function readLabels(path: string): Float64Array {
  const arr = readNpy(path);
  if (arr.shape.length !== 1) {
    throw new InputError(
      `${path} has shape [${arr.shape.join(", ")}], but labels must have shape [N] (one class index per input)`,
      "save a flat array of class indices, e.g. numpy.save(path, y.reshape(-1))",
    );
  }
  checkLabelValues(arr.data, path);
  return arr.data;
}

/** Refuses a label that is not a class index (a whole number ≥ 0); `where` names the file or the caller. */
export function checkLabelValues(labels: Float64Array, where: string): void {
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    if (!(Number.isInteger(v) && v >= 0)) {
      throw new InputError(`${where}: label ${i} is ${v}, not a class index (a whole number ≥ 0)`, "save the class indices (0, 1, …), not scores or one-hot rows");
    }
  }
}

/** Refuses a label outside [0, classes): it names no output of the model. */
export function checkLabelClasses(labels: Float64Array, classes: number, path: string): void {
  const i = labels.findIndex((v) => v >= classes);
  if (i >= 0) {
    throw new InputError(`${path}: label ${i} is ${labels[i]}, but the model has ${classes} classes (0..${classes - 1})`, "pass the labels that go with the model and --input");
  }
}
