import { compileGraph } from "../src/compile.js";
import { importOnnxBytes } from "../src/onnx/import.js";
import { resnet18Onnx } from "./resnet18.js";

/** Input side (default 224); smaller sides (e.g. RESNET18_SIZE=64) iterate faster and extrapolate roughly by area. */
const side = Number(process.env.RESNET18_SIZE ?? 224);
const t0 = performance.now();
const ann = importOnnxBytes(resnet18Onnx(1, 1000, side), "resnet18-random.onnx");
const t1 = performance.now();
const n = 16;
const size = 3 * side * side;
let s = 12345;
const data = Float64Array.from({ length: n * size }, () => {
  s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
  return s / 4294967296;
});
// Seconds per stage: the first progress report of a stage starts it, the next stage's first report ends it.
const stages: [string, number][] = [["canonicalize + rescale", performance.now()]];
const compiled = compileGraph(ann, { shape: [n, 3, side, side], dtype: "<f8", data }, n, "random", {
  onProgress: (stage, done, total) => {
    const name = stage === "map" && done === total ? "verify + report" : stage;
    if (stages.at(-1)?.[0] !== name) stages.push([name, performance.now()]);
  },
});
const t2 = performance.now();
const stageMs = stages.map(([name, start], k): [string, number] => [name, (stages[k + 1]?.[1] ?? t2) - start]);
process.send!({
  side,
  importMs: t1 - t0,
  compileMs: t2 - t1,
  stageMs,
  maxRssMb: process.resourceUsage().maxRSS / 1024,
  neurons: compiled.report.totals.neurons,
  synapses: compiled.report.totals.synapses,
  latency: compiled.report.totals.latency,
});
