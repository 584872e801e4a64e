/**
 * The datasets of each node group, as the reference package writes and reads them (shared/spec/nir.md §1–2).
 * One entry per constructor argument: a dataset the table does not list is rejected by the reference
 * ("unexpected keyword"), a required one that is missing too ("missing argument" / KeyError).
 */
import type { NirPrimitive } from "./graph.js";

/**
 * - tensor: a float (or int) array of any rank, dtype kept as stored;
 * - shape: a 1-D int64 array;
 * - int: a 0-d int64 scalar;
 * - ints: an int64 scalar or 1-D array (kept as stored);
 * - padding: like ints, or the scalar string 'same' / 'valid';
 * - pair: a 1-D int64 array, or an int64 scalar for both spatial axes (what nir.SumPool2d(kernel_size=2) writes).
 */
export type FieldKind = "tensor" | "shape" | "int" | "ints" | "padding" | "pair";

export interface FieldSpec {
  name: string;
  kind: FieldKind;
  required: boolean;
  /** The reference stores numpy arrays gzip-compressed in one chunk and tuples/scalars contiguous. */
  compressed: boolean;
}

const t = (name: string, required = true): FieldSpec => ({ name, kind: "tensor", required, compressed: true });
const f = (name: string, kind: FieldKind, required: boolean, compressed: boolean): FieldSpec => ({ name, kind, required, compressed });

const convFields = (inputShape: FieldKind): FieldSpec[] => [
  t("weight"),
  t("bias"),
  f("stride", "ints", true, false),
  f("padding", "padding", true, false),
  f("dilation", "ints", true, false),
  f("groups", "int", true, false),
  f("input_shape", inputShape, true, false),
];
const poolFields: FieldSpec[] = [f("kernel_size", "pair", true, true), f("stride", "pair", true, true), f("padding", "pair", true, true)];

export const NODE_FIELDS: Record<NirPrimitive["type"], FieldSpec[]> = {
  Input: [f("shape", "shape", true, true)],
  Output: [f("shape", "shape", true, true)],
  Affine: [t("weight"), t("bias")],
  Linear: [t("weight")],
  Scale: [t("scale")],
  Conv1d: convFields("ints"),
  Conv2d: convFields("shape"),
  SumPool2d: poolFields,
  AvgPool2d: poolFields,
  Flatten: [f("start_dim", "int", false, false), f("end_dim", "int", false, false), f("input_type", "shape", false, true)],
  Delay: [t("delay")],
  Threshold: [t("threshold")],
  I: [t("r")],
  IF: [t("r"), t("v_threshold"), t("v_reset", false)],
  LI: [t("tau"), t("r"), t("v_leak")],
  LIF: [t("tau"), t("r"), t("v_leak"), t("v_threshold"), t("v_reset", false)],
  CubaLI: [t("tau_syn"), t("tau_mem"), t("r"), t("v_leak"), t("w_in", false)],
  CubaLIF: [t("tau_syn"), t("tau_mem"), t("r"), t("v_leak"), t("v_threshold"), t("v_reset", false), t("w_in", false)],
};

/** Datasets/groups every node group may hold besides its fields. */
export const COMMON_ENTRIES = ["type", "metadata"] as const;
