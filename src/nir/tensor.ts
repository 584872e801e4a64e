/**
 * Numeric arrays of NIR parameters. A tensor keeps the exact dtype it was read with or built with (the reference
 * package casts nothing), flat in C order, with its shape. float32 and float64 are what NIR tools expect for
 * parameters; integer arrays are accepted on read (the reference accepts them) and flagged by the checker.
 */
export type FloatArray = Float32Array | Float64Array;
export type NirNumericArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

export interface NirTensor<T extends NirNumericArray = NirNumericArray> {
  data: T;
  shape: number[];
}

export const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Thrown by node constructors: names the field whose shape or value breaks the primitive's invariant. */
export class NirFieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "NirFieldError";
  }
}

export function tensor<T extends NirNumericArray>(data: T, shape: readonly number[]): NirTensor<T> {
  if (product(shape) !== data.length) {
    throw new Error(`tensor of shape [${shape.join(",")}] needs ${product(shape)} values, got ${data.length}`);
  }
  return { data, shape: [...shape] };
}

export const f32 = (values: ArrayLike<number>, shape: readonly number[]): NirTensor<Float32Array> =>
  tensor(Float32Array.from(values), shape);
export const f64 = (values: ArrayLike<number>, shape: readonly number[]): NirTensor<Float64Array> =>
  tensor(Float64Array.from(values), shape);

/** A tensor of `shape` filled with `value`, in the dtype of `like` (how defaults such as v_reset = 0 are made). */
export function filledLike(like: NirTensor, value: number): NirTensor {
  const data = isFloat(like) ? new (like.data.constructor as Float64ArrayConstructor)(like.data.length) : new Float64Array(like.data.length);
  data.fill(value);
  return { data, shape: [...like.shape] };
}

export const isFloat = (t: NirTensor): t is NirTensor<FloatArray> =>
  t.data instanceof Float32Array || t.data instanceof Float64Array;

/** Values as float64 numbers (int64 through Number, exact below 2^53). */
export function toFloat64(t: NirTensor): Float64Array {
  if (t.data instanceof Float64Array) return t.data;
  const out = new Float64Array(t.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Number(t.data[i]);
  return out;
}

export const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

export const fmtShape = (s: readonly number[] | null | undefined): string => (s ? `[${s.join(", ")}]` : "unknown");

/** Every tensor among `fields` has the shape of the first one (the neuron shape S); returns S. */
export function commonShape(fields: Record<string, NirTensor | undefined>): number[] {
  let first: [string, number[]] | undefined;
  for (const [name, t] of Object.entries(fields)) {
    if (!t) continue;
    if (!first) first = [name, t.shape];
    else if (!sameShape(first[1], t.shape)) {
      throw new NirFieldError(name, `'${name}' has shape ${fmtShape(t.shape)} but '${first[0]}' has ${fmtShape(first[1])}; all parameters of a neuron must have the neuron's shape`);
    }
  }
  return first ? [...first[1]] : [];
}

export function requireRank(field: string, t: NirTensor, minRank: number, what: string): void {
  if (t.shape.length < minRank) throw new NirFieldError(field, `'${field}' must be ${what}, got shape ${fmtShape(t.shape)}`);
}
