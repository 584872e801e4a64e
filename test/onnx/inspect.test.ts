/** `spikec inspect`: a row per node, unsupported nodes listed without aborting. */
import { describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { importOnnx, inspectModel } from "../../src/onnx/index.js";
import { canonicalize } from "../../src/ann/canonicalize.js";
import { OnnxBuilder } from "../helpers/onnx-builder.js";
import { writeModel } from "../helpers/onnx-agree.js";

async function run(args: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  try {
    const code = await main(args);
    return { code, out };
  } finally {
    spy.mockRestore();
  }
}

describe("inspect", () => {
  it("lists every node of the LeNet fixture with shapes, all supported", () => {
    const r = inspectModel("test/fixtures/lenet5_fmnist.onnx");
    expect(r.importable).toBe(true);
    expect(r.nodes.length).toBeGreaterThan(5);
    expect(r.nodes.every((n) => n.supported && n.outputShape.startsWith("[N,"))).toBe(true);
    expect(r.inputShape).toEqual([1, 28, 28]);
  });

  it("reports an unsupported node and keeps listing the nodes after it", async () => {
    const b = new OnnxBuilder();
    const x = b.input("x", [2, 6, 6]);
    const y = b.node("Sigmoid", [b.conv(x, { weight: b.randn([3, 2, 3, 3]) })], {}, 1, "sig")[0];
    b.output(b.gemm(b.flatten(y), { b: b.randn([48, 4]) }));
    const path = writeModel(b);
    const r = inspectModel(path);
    expect(r.importable).toBe(false);
    expect(r.nodes.map((n) => [n.op, n.supported])).toEqual([["Conv", true], ["Sigmoid", false], ["Flatten", true], ["Gemm", true]]);
    expect(r.nodes[0]).toMatchObject({ inputShapes: ["[N, 2, 6, 6]", "[3, 2, 3, 3]"], outputShape: "[N, 3, 4, 4]" });
    expect(r.nodes[1].reason).toBe("op Sigmoid is not supported");
    expect(r.nodes[2].reason).toMatch(/not checked: reads .*, which depends on unsupported node 'sig' \(Sigmoid\)/);
    // two nodes on: still the root, not the supported Flatten in between
    expect(r.nodes[3].reason).toMatch(/not checked: reads .*, which depends on unsupported node 'sig' \(Sigmoid\)/);

    const text = await run(["inspect", path]);
    expect(text.code).toBe(2);
    expect(text.out).toMatch(/sig\s+Sigmoid\s+\[N, 3, 4, 4\]\s+\?\s+NO\s+op Sigmoid is not supported/);
    expect(text.out).toMatch(/1 node\(s\) not supported; spikec supports: Gemm, MatMul/);
    const json = await run(["inspect", path, "--json"]);
    expect(JSON.parse(json.out).nodes).toHaveLength(4);
  });

  it("every node supported but the graph does not map (a padded Conv into a Conv, no ReLU between): exit 2 with compile's reason", async () => {
    // Audit 2026-11-27: inspect said "every node is supported: the model imports" (exit 0) and compile then refused.
    const b = new OnnxBuilder();
    const x = b.input("x", [2, 6, 6]);
    const c1 = b.conv(x, { weight: b.randn([3, 2, 3, 3]), bias: b.randn([3], 0.1), pads: [1, 1, 1, 1] });
    const c2 = b.relu(b.conv(c1, { weight: b.randn([3, 3, 3, 3]), pads: [1, 1, 1, 1] }));
    b.output(b.gemm(b.flatten(c2), { b: b.randn([108, 4]) }));
    const path = writeModel(b);
    const r = inspectModel(path);
    expect(r.nodes.every((n) => n.supported)).toBe(true);
    expect(r.importable).toBe(false);
    const compileError = (() => {
      try {
        canonicalize(importOnnx(path));
        return "";
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(compileError).not.toBe("");
    expect(r.error).toBe(compileError.replace(`${path}: `, ""));
    const text = await run(["inspect", path]);
    expect(text.code).toBe(2);
    expect(text.out).toContain(`the nodes are supported but the model does not import: ${r.error}`);
  });

  it("exit 0 and a table for a supported model", async () => {
    const r = await run(["inspect", "test/fixtures/mlp_digits.onnx"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/every node is supported: the model imports/);
  });
});
