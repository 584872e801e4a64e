import { copyFileSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { checkNir } from "../../src/nir/check.js";
import { type DatasetSpec, type GroupSpec, type TreeGroup, readHdf5Tree, writeHdf5Tree } from "../../src/nir/h5tree.js";
import { InputError } from "../../src/util/errors.js";
import { FIXTURES, NIR_FIXTURES, tempDir } from "./helpers.js";

const dir = tempDir();

/** A reference file as an editable tree (so tests can write defective copies with h5wasm). */
function toSpec(g: TreeGroup): GroupSpec {
  const children = new Map<string, GroupSpec | DatasetSpec>();
  for (const [k, v] of g.children) {
    if (v.kind === "group") children.set(k, toSpec(v));
    else {
      const dt = v.dtype;
      const dtype: DatasetSpec["dtype"] = dt.class === "string" ? "S" : dt.class === "float" ? (dt.size === 4 ? "<f" : "<d") : dt.size === 8 ? "<q" : "<i";
      children.set(k, { kind: "dataset", dtype, shape: v.shape, data: v.value });
    }
  }
  return { kind: "group", children };
}

async function defective(source: string, name: string, edit: (root: GroupSpec) => void): Promise<string> {
  const root = toSpec(await readHdf5Tree(join(FIXTURES, source)));
  edit(root);
  const out = join(dir, name);
  await writeHdf5Tree(out, root);
  return out;
}

const at = (root: GroupSpec, path: string): GroupSpec => {
  let g = root;
  for (const part of path.split("/")) g = g.children.get(part) as GroupSpec;
  return g;
};
const str = (s: string): DatasetSpec => ({ kind: "dataset", dtype: "S", shape: [], data: [s] });
const f32 = (v: number[], shape: number[]): DatasetSpec => ({ kind: "dataset", dtype: "<f", shape, data: Float32Array.from(v) });

async function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const w1 = process.stdout.write.bind(process.stdout);
  const w2 = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, out, err };
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
  }
}

describe("spikec nir check on the reference package's files", () => {
  it.each(NIR_FIXTURES)("%s is valid", async (name) => {
    const r = await checkNir(join(FIXTURES, name));
    expect(r.errors).toEqual([]);
    expect(r.valid).toBe(true);
  });

  it("summarizes conv_pool_flatten.nir: node types, edges, inferred shapes, parameter counts", async () => {
    const r = await checkNir(join(FIXTURES, "conv_pool_flatten.nir"));
    expect(r.summary.nodes).toBe(8);
    expect(r.summary.edges).toBe(7);
    expect(r.summary.nodesByType).toEqual({ Input: 1, Conv2d: 1, IF: 1, SumPool2d: 1, Flatten: 1, Linear: 1, LI: 1, Output: 1 });
    // conv 4·2·3·3 + 4, IF 3·4·10·10, Linear 10·100, LI 3·10
    expect(r.summary.parameters).toBe(76 + 1200 + 1000 + 30);
    const byPath = new Map(r.summary.nodeList.map((n) => [n.path, n]));
    expect(byPath.get("conv")).toMatchObject({ input: [2, 10, 10], output: [4, 10, 10], parameters: 76, dtypes: ["float32"] });
    expect(byPath.get("pool")).toMatchObject({ input: [4, 10, 10], output: [4, 5, 5], parameters: 0 });
    expect(byPath.get("flat")).toMatchObject({ input: [4, 5, 5], output: [100] });
    expect(r.summary.inputs).toEqual([{ name: "input", shape: [2, 10, 10] }]);
    expect(r.summary.outputs).toEqual([{ name: "output", shape: [10] }]);
    expect(r.warnings).toEqual([]);
  });

  it("summarizes nested_recurrent.nir, counting the subgraph's nodes and edges", async () => {
    const r = await checkNir(join(FIXTURES, "nested_recurrent.nir"));
    expect(r.summary.subgraphs).toBe(1);
    expect(r.summary.nodes).toBe(5 + 5); // input, rnn, delay, thr, output + input, w_in, lif, w_rec, output
    expect(r.summary.edges).toBe(4 + 5);
    expect(r.summary.nodesByType).toMatchObject({ NIRGraph: 1, Input: 2, Output: 2, Affine: 1, Linear: 1, LIF: 1, Delay: 1, Threshold: 1 });
    expect(r.summary.parameters).toBe(9 + 3 + 9 + 5 * 3 + 3 + 3);
    expect(r.summary.nodeList.find((n) => n.path === "rnn")).toMatchObject({ input: [3], output: [3] });
  });

  it("summarizes ffw_lif_cubalif.nir and reports legacy v_reset as a warning on handwritten files", async () => {
    const r = await checkNir(join(FIXTURES, "ffw_lif_cubalif.nir"));
    expect(r.summary).toMatchObject({ nodes: 6, edges: 5, parameters: 12 + 4 + 5 * 4 + 8 + 2 + 7 * 2 });
    const hw = await checkNir(join(FIXTURES, "handwritten_minimal_uncompressed.nir"));
    expect(hw.valid).toBe(true);
    expect(hw.warnings.map((w) => [w.node, w.field])).toEqual([["lif", "v_reset"]]);
  });

  it("CLI prints the summary and exits 0; --json gives the report", async () => {
    const text = await runCli(["nir", "check", join(FIXTURES, "conv_pool_flatten.nir")]);
    expect(text.code).toBe(0);
    expect(text.out).toContain("valid NIR");
    expect(text.out).toContain("nodes: 8");
    expect(text.out).toContain("parameters: 2,306");
    const json = await runCli(["nir", "check", "--json", join(FIXTURES, "ttfs_integrator_chain.nir")]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out).summary.nodesByType).toEqual({ Affine: 1, I: 2, Input: 1, Linear: 1, Output: 1, Threshold: 1 });
  });
});

describe("spikec nir check rejects the defects of shared/spec/nir.md §3, naming node and field", () => {
  const expectError = async (file: string, node: string, field: string | undefined, text: RegExp): Promise<void> => {
    const r = await checkNir(file);
    expect(r.valid).toBe(false);
    const hit = r.errors.find((e) => e.node === node && e.field === field && text.test(e.message));
    expect(hit, JSON.stringify(r.errors)).toBeDefined();
    const cli = await runCli(["nir", "check", file]);
    expect(cli.code).toBe(2);
    expect(cli.out).toContain(`node '${node}'`);
    expect(cli.out).toMatch(/INVALID NIR \(\/version 1\.0\.8\.dev9\+g7232ada\)/);
    expect(cli.out.trimEnd()).toMatch(/\n {2}try: fix what each error names \(node and field\) and write the file again/);
  };

  it("unknown dataset", async () => {
    const f = await defective("ffw_lif_cubalif.nir", "foo.nir", (r) => at(r, "node/nodes/lif1").children.set("foo", f32([1], [1])));
    await expectError(f, "lif1", "foo", /unexpected dataset 'foo'/);
  });
  it("missing v_threshold", async () => {
    const f = await defective("ffw_lif_cubalif.nir", "novth.nir", (r) => at(r, "node/nodes/lif1").children.delete("v_threshold"));
    await expectError(f, "lif1", "v_threshold", /required field 'v_threshold' of LIF is missing/);
  });
  it("missing Conv2d input_shape", async () => {
    const f = await defective("conv_pool_flatten.nir", "noinshape.nir", (r) => at(r, "node/nodes/conv").children.delete("input_shape"));
    await expectError(f, "conv", "input_shape", /required field 'input_shape'/);
  });
  it("unknown type", async () => {
    const f = await defective("ffw_lif_cubalif.nir", "type.nir", (r) => at(r, "node/nodes/lif1").children.set("type", str("LeakyIF")));
    await expectError(f, "lif1", "type", /unknown node type 'LeakyIF'/);
  });
  it("neuron parameters of different shapes", async () => {
    const f = await defective("ffw_lif_cubalif.nir", "tau3.nir", (r) => at(r, "node/nodes/lif1").children.set("tau", f32([0.01, 0.01, 0.01], [3])));
    await expectError(f, "lif1", "r", /shape \[4\] but 'tau' has \[3\]/);
  });
  it("neuron parameters as 0-d scalars (type [] vs [4])", async () => {
    const f = await defective("ffw_lif_cubalif.nir", "scalar.nir", (r) => {
      for (const k of ["tau", "r", "v_leak", "v_threshold", "v_reset"]) at(r, "node/nodes/lif1").children.set(k, f32([1], []));
    });
    await expectError(f, "lif1", "tau", /type mismatch on edge fc1 → lif1: 'fc1' outputs \[4\] but 'lif1' \(LIF\) takes \[\]/);
  });
  it("Input shape that does not fit the Affine", async () => {
    const f = await defective("ffw_lif_cubalif.nir", "in4.nir", (r) => at(r, "node/nodes/input").children.set("shape", { kind: "dataset", dtype: "<q", shape: [1], data: BigInt64Array.of(4n) }));
    await expectError(f, "fc1", "weight", /\[4\] but 'fc1' \(Affine\) takes \[3\]/);
  });
  it("Input shape as a 0-d int", async () => {
    const f = await defective("ffw_lif_cubalif.nir", "in0d.nir", (r) => at(r, "node/nodes/input").children.set("shape", { kind: "dataset", dtype: "<q", shape: [], data: BigInt64Array.of(3n) }));
    await expectError(f, "input", "shape", /must be a 1-D integer array/);
  });
  it("SumPool2d with kernel_size, stride and padding as 0-d ints (nir.SumPool2d(kernel_size=2, …) writes them so): valid", async () => {
    // Audit 2026-11-27: refused with "must be a 1-D int64 array"; the reference reads them for both axes.
    const scalar = (v: bigint): DatasetSpec => ({ kind: "dataset", dtype: "<q", shape: [], data: BigInt64Array.of(v) });
    const f = await defective("conv_pool_flatten.nir", "pool0d.nir", (r) => {
      const pool = at(r, "node/nodes/pool");
      pool.children.set("kernel_size", scalar(2n));
      pool.children.set("stride", scalar(2n));
      pool.children.set("padding", scalar(0n));
    });
    const r = await checkNir(f);
    expect(r.errors).toEqual([]);
    const ref = await checkNir(join(FIXTURES, "conv_pool_flatten.nir"));
    expect(r.summary).toEqual(ref.summary);
  });
  it("Flatten without start_dim: defaults to 1, then the type check fails as in the reference", async () => {
    const f = await defective("conv_pool_flatten.nir", "nostart.nir", (r) => at(r, "node/nodes/flat").children.delete("start_dim"));
    const r = await checkNir(f);
    expect(r.warnings.some((w) => w.node === "flat" && w.field === "start_dim")).toBe(true);
    expect(r.errors[0]!.message).toMatch(/\[4, 25\]|\[4,25\]/);
  });
  it("edge to a missing node, and the dotted port notation", async () => {
    const f = await defective("ffw_lif_cubalif.nir", "edge.nir", (r) => {
      at(r, "node").children.set("edges", { kind: "dataset", dtype: "S", shape: [2, 2], data: ["input", "fc1", "fc1", "g.B"] });
    });
    const r = await checkNir(f);
    expect(r.errors.find((e) => e.field === "edges")!.message).toMatch(/names node 'g.B'.*port notation/);
  });
  it("no edges at all: valid, as the reference reader takes it (adding input_ and output_ nodes: warnings)", async () => {
    const keep = await defective("handwritten_minimal_uncompressed.nir", "no-edges.nir", (r) => {
      at(r, "node").children.set("edges", { kind: "dataset", dtype: "<d", shape: [0], data: new Float64Array(0) });
    });
    const r = await checkNir(keep);
    expect(r.errors).toEqual([]);
    expect(r.valid).toBe(true);
    expect(r.summary.edges).toBe(0);
    expect(r.warnings.map((w) => w.message)).toEqual(expect.arrayContaining([expect.stringMatching(/root node 'fc' \(Affine\) is not fed by an Input node/)]));
    // edges that all start inside a cycle still cannot be typed
    const cyclic = await defective("handwritten_minimal_uncompressed.nir", "cycle-only.nir", (r) => {
      at(r, "node").children.set("edges", { kind: "dataset", dtype: "S", shape: [2, 2], data: ["fc", "lif", "lif", "fc"] });
    });
    expect((await checkNir(cyclic)).errors.map((e) => e.message)).toContain("no edge leaves an Input node, so type inference cannot start (a cycle at the graph input?); add an Input node");
  });
  it("nested graphs are checked too", async () => {
    const f = await defective("nested_recurrent.nir", "nested_bad.nir", (r) => at(r, "node/nodes/rnn/nodes/lif").children.delete("tau"));
    await expectError(f, "rnn/lif", "tau", /required field 'tau'/);
  });
  it("non-square kernels: warning about the reference's quirk, correct shapes", async () => {
    const f = await defective("conv_pool_flatten.nir", "k35.nir", (r) => {
      const conv = at(r, "node/nodes/conv");
      conv.children.set("weight", f32(new Array(4 * 2 * 3 * 5).fill(0.1), [4, 2, 3, 5]));
      conv.children.set("padding", { kind: "dataset", dtype: "<q", shape: [2], data: BigInt64Array.of(1n, 2n) });
    });
    const r = await checkNir(f);
    expect(r.valid).toBe(true);
    expect(r.warnings.find((w) => w.node === "conv" && w.field === "weight")!.message).toMatch(/\[4, 10, 12\] \(kernel height for both dims\) instead of \[4, 10, 10\]/);
  });
});

describe("unreadable inputs give InputError and exit code 2", () => {
  it("a non-HDF5 file", async () => {
    const f = join(dir, "text.nir");
    writeFileSync(f, "this is not HDF5\n");
    await expect(checkNir(f)).rejects.toThrow(InputError);
    await expect(checkNir(f)).rejects.toThrow(/not an HDF5 file/);
    const cli = await runCli(["nir", "check", f]);
    expect(cli.code).toBe(2);
    expect(cli.err).toMatch(/not an HDF5 file/);
  });
  it("an HDF5 file that is not NIR (NIRData)", async () => {
    const f = join(FIXTURES, "nirdata_events.h5");
    await expect(checkNir(f)).rejects.toThrow(/not a NIR graph: it has no '\/node' group \(top level holds: nodes\)/);
    expect((await runCli(["nir", "check", f])).code).toBe(2);
  });
  it("a truncated file", async () => {
    const f = join(dir, "truncated.nir");
    writeFileSync(f, readFileSync(join(FIXTURES, "conv_pool_flatten.nir")).subarray(0, 20000));
    await expect(checkNir(f)).rejects.toThrow(/cannot be read .*truncated or damaged/);
    expect((await runCli(["nir", "check", f])).code).toBe(2);
  });
  it("a root that is not a NIRGraph", async () => {
    const f = await defective("ffw_lif_cubalif.nir", "roottype.nir", (r) => at(r, "node").children.set("type", str("LIF")));
    await expect(checkNir(f)).rejects.toThrow(/'\/node\/type' is 'LIF'/);
  });
  it("a missing file", async () => {
    copyFileSync(join(FIXTURES, "ffw_lif_cubalif.nir"), join(dir, "exists.nir"));
    await expect(checkNir(join(dir, "nope.nir"))).rejects.toThrow(/no such file/);
  });
});
