/**
 * Protobuf decoding of a .onnx file and of its tensors (initializers, Constant values), including external data
 * stored in files beside the model.
 */
import { existsSync, openSync, readSync, closeSync, realpathSync, statSync } from "node:fs";
import { notRegularFile } from "../io/regular-file.js";
import { isAbsolute, relative, resolve } from "node:path";
import pkg from "onnx-proto";
import { InputError } from "../util/errors.js";
import { type ConstTensor, decodeRaw, decodeTyped, dtypeName, int64ToNumber, isSupportedDtype, rawElementSize, type Int64 } from "./tensor.js";
import type { ModelSource } from "./source.js";

const { onnx } = pkg;
export type ModelProto = pkg.onnx.ModelProto;
export type NodeProto = pkg.onnx.INodeProto;
export type TensorProto = pkg.onnx.ITensorProto;

export type { ModelSource };

export function decodeModel(bytes: Uint8Array, src: ModelSource): ModelProto {
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new InputError(
      `${src.file} is not a valid ONNX model (${e instanceof Error ? e.message : String(e)})`,
      "check that the file is a complete .onnx export (not truncated, not a PyTorch .pt or a zip)",
    );
  }
  const graph = model.graph;
  if (!graph || (graph.node?.length ?? 0) === 0)
    throw new InputError(`${src.file} is not a valid ONNX model (it has no graph nodes)`, "export the model again, e.g. with torch.onnx.export");
  if ((graph.input?.length ?? 0) === 0)
    throw new InputError(`${src.file} is not a valid ONNX model (its graph has no inputs)`, "export the model again, e.g. with torch.onnx.export");
  return model;
}

/** The default-domain opset the model was exported with. */
export function opsetVersion(model: ModelProto): number {
  const entry = model.opsetImport?.find((o) => !o.domain || o.domain === "ai.onnx");
  return entry?.version !== undefined && entry.version !== null ? int64ToNumber(entry.version as Int64) : 1;
}

/** Decodes a tensor to float64; `what` names it for messages ("initializer 'fc.weight'"). */
export function decodeTensor(t: TensorProto, what: string, src: ModelSource): ConstTensor {
  const dims = (t.dims ?? []).map((d) => int64ToNumber(d as Int64));
  const dataType = t.dataType ?? 0;
  const dtype = dtypeName(dataType);
  if (!isSupportedDtype(dataType))
    throw new InputError(`${src.file}: ${what} has dtype ${dtype}, which spikec cannot read`, "export weights as float32 (or float16/float64)");
  const count = dims.reduce((a, b) => a * b, 1);
  let data: Float64Array | null;
  const raw = t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL ? readExternal(t, what, src) : t.rawData && t.rawData.length > 0 ? t.rawData : null;
  if (raw) {
    data = decodeRaw(raw, dataType, count);
    const size = rawElementSize(dataType);
    if (!data)
      throw new InputError(
        `${src.file}: ${what} holds ${raw.length} bytes of ${dtype} data (${raw.length / size} values) but its shape [${dims}] needs ${count} (${count * size} bytes)`,
        "the file looks truncated or corrupt; export the model again",
      );
  } else {
    data = count === 0 ? new Float64Array(0) : decodeTyped(t, dataType);
  }
  if (!data || data.length !== count)
    throw new InputError(
      `${src.file}: ${what} holds ${data?.length ?? "no"} values but its shape [${dims}] needs ${count}`,
      "the file looks truncated or corrupt; export the model again",
    );
  return { dims, data, dtype };
}

/** Reads the bytes of an external-data tensor: `location` relative to the model folder, optional offset/length. */
function readExternal(t: TensorProto, what: string, src: ModelSource): Uint8Array {
  const entries = new Map((t.externalData ?? []).map((e) => [e.key ?? "", e.value ?? ""]));
  const location = entries.get("location");
  if (!location) throw new InputError(`${src.file}: ${what} is stored externally but names no 'location'`, "export the model again with its external data");
  if (src.dir === undefined)
    throw new InputError(
      `${src.file}: ${what} is stored in the external file '${location}', but the model was given as bytes without its folder`,
      "load the model from its path (importOnnx) or pass the folder that holds its data files",
    );
  const path = resolve(src.dir, location);
  const rel = relative(resolve(src.dir), path);
  if (isAbsolute(location) || rel.startsWith("..") || isAbsolute(rel))
    throw new InputError(
      `${src.file}: ${what} points to external data '${location}' outside the model's folder`,
      "keep the external data files in the model's folder (or below it); spikec refuses paths that escape it",
    );
  if (!existsSync(path))
    throw new InputError(`${src.file}: external data file '${location}' of ${what} not found (looked for ${path})`, "copy the data file next to the model");
  // The same rule for where a symbolic link leads: the file read must lie in the model's folder too.
  const real = relative(realpathSync(src.dir), realpathSync(path));
  if (real.startsWith("..") || isAbsolute(real))
    throw new InputError(
      `${src.file}: ${what} reads external data '${location}' through a symbolic link to ${realpathSync(path)}, outside the model's folder`,
      "copy the data file into the model's folder; spikec refuses paths that escape it, also through symbolic links",
    );
  const kind = notRegularFile(statSync(path));
  if (kind !== null)
    throw new InputError(`${src.file}: external data '${location}' of ${what} is ${kind}, not a file`, "point 'location' at the data file the exporter wrote next to the model");
  // ONNX writes offset and length as decimal integers; anything else ("0x10", "1e3") is not read as a guess.
  const integer = (key: string, fallback: number): number => {
    const text = entries.get(key);
    if (text === undefined) return fallback;
    if (!/^\d+$/.test(text.trim()))
      throw new InputError(`${src.file}: external data '${key}' of ${what} is '${text}', not a decimal byte count`, "export the model again with its external data");
    return Number(text);
  };
  const offset = integer("offset", 0);
  const size = statSync(path).size;
  const length = integer("length", size - offset);
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > size)
    throw new InputError(
      `${src.file}: ${what} reads bytes ${offset}..${offset + length} of '${location}', which has ${size} bytes`,
      "the external data file is truncated or does not belong to this model",
    );
  const out = new Uint8Array(length);
  const fd = openSync(path, "r");
  try {
    let done = 0;
    while (done < length) {
      const n = readSync(fd, out, done, length - done, offset + done);
      if (n <= 0) break;
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}
