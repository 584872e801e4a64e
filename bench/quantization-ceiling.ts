/**
 * Agreement ceiling of the tick grid: the float64 ANN the SNN is exact to (the rescaled canonical graph) with every
 * hidden activation rounded to the nearest of K uniform levels of its window and clipped above it, and the input on
 * K levels — what the chip computes at K ticks per window, without weight rounding or any other hardware effect. If
 * this misses a goal, no lowering of the same windows reaches it. Windows from the calibration data: the layer's
 * maximum, its 99.9 % quantile, and per channel (dense: per neuron) the channel's maximum (≥ 1/8 of the layer's, as
 * the compiler uses: src/hw/calibration.ts).
 */
import { execute } from "../src/ann/execute.js";
import { product, type AnnGraph, type AnnNode } from "../src/ann/graph.js";
import { compile, loadSamples } from "../src/compile.js";
import { CHANNEL_WINDOW_RATIO, channelsOf } from "../src/hw/calibration.js";
import { normalizeInput } from "../src/mapping/map.js";
import { argmaxRows } from "../src/verify/compare.js";
import { LENET5, MLP_DIGITS } from "./fixtures.js";
import type { BenchTable } from "./table.js";

/** Window per channel of every hidden layer (one channel = the whole layer for layer windows). */
type Windows = Map<string, Float64Array>;

/** Runs a sequential graph node by node; `quantize` rewrites each value (input and hidden layers) in place. */
function runSequential(g: AnnGraph, x: Float64Array, n: number, quantize: (node: AnnNode, v: Float64Array) => void): Map<string, Float64Array> {
  const values = new Map<string, Float64Array>();
  for (const node of g.nodes) {
    let v: Float64Array;
    if (node.kind === "input") v = Float64Array.from(x);
    else {
      if (node.inputs.length !== 1) throw new Error(`quantization ceiling: node '${node.id}' has ${node.inputs.length} inputs (sequential graphs only)`);
      const src = g.nodes.find((m) => m.id === node.inputs[0])!;
      const input: AnnNode = { kind: "input", id: src.id, shape: src.shape, inputs: [], origin: [] };
      v = execute({ ...g, nodes: [input, node], output: node.id }, values.get(src.id)!, n).get(node.id)!;
    }
    quantize(node, v);
    values.set(node.id, v);
  }
  return values;
}

function onLevels(node: AnnNode, v: Float64Array, windows: Float64Array, K: number): void {
  const size = product(node.shape);
  const area = size / windows.length;
  for (let i = 0; i < v.length; i++) {
    const d = windows[Math.floor((i % size) / area)]! / K;
    v[i] = d * Math.min(K, Math.max(0, Math.round(v[i]! / d)));
  }
}

function windowsOf(g: AnnGraph, values: Map<string, Float64Array>, hidden: string[], kind: "max" | "q99.9%" | "channel"): Windows {
  const out: Windows = new Map();
  for (const id of hidden) {
    const node = g.nodes.find((m) => m.id === id)!;
    const v = values.get(id)!;
    if (kind === "channel") {
      const size = product(node.shape);
      const c = new Float64Array(channelsOf(node.shape));
      const area = size / c.length;
      for (let i = 0; i < v.length; i++) c[Math.floor((i % size) / area)] = Math.max(c[Math.floor((i % size) / area)]!, v[i]!);
      const floor = Math.max(...c) / CHANNEL_WINDOW_RATIO;
      out.set(id, c.map((w) => Math.max(w, floor)));
    } else {
      const pos = Float64Array.from(v.filter((a) => a > 0)).sort();
      const q = kind === "max" ? 1 : 0.999;
      out.set(id, Float64Array.of(pos.length ? pos[Math.min(pos.length - 1, Math.floor(q * (pos.length - 1) + 0.5))]! : 1));
    }
  }
  return out;
}

export async function quantizationCeiling(): Promise<BenchTable> {
  const rows: (string | number)[][] = [];
  for (const { name, model, calib, test } of [LENET5, MLP_DIGITS]) {
    const compiled = compile(model, calib);
    const g = compiled.mapping.rescaled;
    const input = compiled.net.populations[0]!;
    if (input.kind !== "input") throw new Error("first population is not the input");
    const shape = g.nodes[0]!.shape;
    const size = product(shape);
    const cal = loadSamples(calib, shape);
    const nc = Math.min(cal.count, 500);
    const calValues = runSequential(g, normalizeInput(cal.array.data.subarray(0, nc * size), input.range), nc, () => {});
    const ts = loadSamples(test, shape);
    const xt = normalizeInput(ts.array.data.subarray(0, ts.count * size), input.range);
    const reference = argmaxRows(runSequential(g, xt, ts.count, () => {}).get(g.output)!, ts.count);
    const hidden = g.nodes.filter((m) => m.kind === "layer" && m.relu && m.id !== g.output).map((m) => m.id);
    for (const kind of ["max", "q99.9%", "channel"] as const) {
      const windows = windowsOf(g, calValues, hidden, kind);
      for (const K of [8, 16, 32, 64]) {
        const out = runSequential(g, xt, ts.count, (node, v) => {
          if (node.kind === "input") onLevels(node, v, Float64Array.of(1), K);
          else if (windows.has(node.id)) onLevels(node, v, windows.get(node.id)!, K);
        }).get(g.output)!;
        const got = argmaxRows(out, ts.count);
        const agreeing = got.reduce((a, c, i) => a + (c === reference[i] ? 1 : 0), 0);
        rows.push([name, kind, K, ts.count, `${((100 * agreeing) / ts.count).toFixed(2)} %`]);
      }
    }
  }
  return {
    title: "Agreement ceiling of K uniform levels per activation (float ANN, no weight rounding; all test images)",
    headers: ["model", "windows", "levels K", "samples", "agreement"],
    rows,
    notes: [
      "the chip at K ticks per window computes this plus weight rounding: compare with agreement-vs-ticks",
      "max pooling is exact on the levels; the readout is not rounded (its logits are read as values)",
    ],
  };
}
