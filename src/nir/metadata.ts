/**
 * NIR metadata: a free-form nested dict per graph and per node (non-normative: other tools ignore it).
 * HDF5 mapping (as the reference writes it): nested dicts are groups, strings vlen UTF-8 scalars, `number`
 * a float64 scalar, `bigint` an int64 scalar, tensors arrays of their dtype, string lists 1-D string arrays.
 * Booleans (an HDF5 enum in h5py) and None are not used: write 0/1 and leave keys out.
 */
import type { NirTensor } from "./tensor.js";

export type NirMetadataValue = string | number | bigint | string[] | NirTensor | NirMetadata;
export interface NirMetadata {
  [key: string]: NirMetadataValue;
}

export function isMetadataDict(v: NirMetadataValue): v is NirMetadata {
  return typeof v === "object" && !Array.isArray(v) && !("data" in v && "shape" in v && ArrayBuffer.isView((v as NirTensor).data));
}
