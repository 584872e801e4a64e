/**
 * What sample and label files may hold (src/io/npy.ts): samples float32, float64 or uint8; labels [N] whole
 * numbers ≥ 0 of any numeric dtype (numpy's default int64 included), below the model's class count.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkLabelClasses, checkSamples, parseNpy, readLabels } from "../../src/io/npy.js";
import { scratchDir } from "../helpers/scratch.js";
import { inputErrorOf } from "../helpers/input-error.js";

/** .npy 1.0 bytes of `values` stored as `descr` (little-endian), shape `shape`. */
function npyBytes(descr: string, shape: number[], values: number[]): Uint8Array {
  const size = { "<f2": 2, "<f4": 4, "<f8": 8, "|u1": 1, "|i1": 1, "<i4": 4, "<i8": 8 }[descr]!;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  header += " ".repeat((64 - ((10 + header.length + 1) % 64)) % 64) + "\n";
  const out = new Uint8Array(10 + header.length + values.length * size);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  out.set(Buffer.from(header, "latin1"), 10);
  values.forEach((v, i) => {
    const o = 10 + header.length + i * size;
    if (descr === "<f2") view.setUint16(o, v === 1 ? 0x3c00 : 0, true);
    else if (descr === "<f4") view.setFloat32(o, v, true);
    else if (descr === "<f8") view.setFloat64(o, v, true);
    else if (descr === "|u1") view.setUint8(o, v);
    else if (descr === "|i1") view.setInt8(o, v);
    else if (descr === "<i4") view.setInt32(o, v, true);
    else view.setBigInt64(o, BigInt(v), true);
  });
  return out;
}

describe("checkSamples: dtypes", () => {
  for (const descr of ["<f4", "<f8", "|u1"]) {
    it(`${descr} is taken`, () => {
      expect(checkSamples(parseNpy(npyBytes(descr, [2, 3], [0, 1, 0, 1, 1, 0]), "x.npy"), [3], "x.npy")).toBe(2);
    });
  }
  const refused: [string, string][] = [["|i1", "int8"], ["<i4", "int32"], ["<i8", "int64"], ["<f2", "float16"]];
  for (const [descr, name] of refused) {
    it(`${name} is refused, naming the file, its dtype and the accepted ones`, () => {
      const e = inputErrorOf(() => checkSamples(parseNpy(npyBytes(descr, [2, 3], [0, 1, 0, 1, 1, 0]), "x.npy"), [3], "x.npy"));
      expect(e.message).toBe(`x.npy holds ${name} values; samples must be float32, float64 or uint8`);
      expect(e.hint).toBe("save the samples as one of those, e.g. numpy.save(path, x.astype(numpy.float32))");
    });
  }
});

describe("readLabels / checkLabelClasses", () => {
  const dir = scratchDir("spikec-labels-");
  const file = (name: string, descr: string, shape: number[], values: number[]) => {
    const path = join(dir, name);
    writeFileSync(path, npyBytes(descr, shape, values));
    return path;
  };

  it("int64, int32, uint8 and integral float64 labels of shape [N] are read", () => {
    for (const descr of ["<i8", "<i4", "|u1", "<f8"]) expect([...readLabels(file(`ok${descr.slice(1)}.npy`, descr, [4], [0, 9, 3, 0]))]).toEqual([0, 9, 3, 0]);
  });

  it("shape [N, 1] is refused (docs: [N])", () => {
    const path = file("col.npy", "<i8", [3, 1], [0, 1, 2]);
    const e = inputErrorOf(() => readLabels(path));
    expect(e.message).toBe(`${path} has shape [3, 1], but labels must have shape [N] (one class index per input)`);
    expect(e.hint).toBe("save a flat array of class indices, e.g. numpy.save(path, y.reshape(-1))");
  });

  it("a fractional or negative label names the first bad index and value", () => {
    const frac = file("frac.npy", "<f8", [4], [1, 2, 2.5, -1]);
    expect(inputErrorOf(() => readLabels(frac)).message).toBe(`${frac}: label 2 is 2.5, not a class index (a whole number ≥ 0)`);
    const neg = file("neg.npy", "<i8", [3], [1, -3, 0]);
    expect(inputErrorOf(() => readLabels(neg)).message).toBe(`${neg}: label 1 is -3, not a class index (a whole number ≥ 0)`);
  });

  it("a label ≥ the class count names the first one and the classes", () => {
    const e = inputErrorOf(() => checkLabelClasses(Float64Array.of(0, 9, 10, 12), 10, "y.npy"));
    expect(e.message).toBe("y.npy: label 2 is 10, but the model has 10 classes (0..9)");
    checkLabelClasses(Float64Array.of(0, 9), 10, "y.npy");
  });
});
