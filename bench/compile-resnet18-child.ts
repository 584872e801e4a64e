import { compileGraph } from "../src/compile.js";
import { importOnnxBytes } from "../src/onnx/import.js";
import { resnet18Onnx } from "./resnet18.js";

const t0 = performance.now();
const ann = importOnnxBytes(resnet18Onnx(), "resnet18-random.onnx");
const t1 = performance.now();
const n = 16;
const size = 3 * 224 * 224;
let s = 12345;
const data = Float64Array.from({ length: n * size }, () => {
  s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
  return s / 4294967296;
});
const compiled = compileGraph(ann, { shape: [n, 3, 224, 224], dtype: "<f8", data }, n, "random");
const t2 = performance.now();
process.send!({
  importMs: t1 - t0,
  compileMs: t2 - t1,
  maxRssMb: process.resourceUsage().maxRSS / 1024,
  neurons: compiled.report.totals.neurons,
  synapses: compiled.report.totals.synapses,
  latency: compiled.report.totals.latency,
});
