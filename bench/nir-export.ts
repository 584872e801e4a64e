/**
 * NIR export of a ResNet-18-shaped compiled network (224×224, random weights, 4 calibration inputs): time to build
 * the NIR graph (exportNir, clocks included) and to write it as HDF5 (gzip, like the reference), plus the file size.
 * Goal: export ≤ 10 s. Section "nir-export" of `npm run bench`.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileGraph } from "../src/compile.js";
import { exportNir } from "../src/nir/export.js";
import { writeNirFile } from "../src/nir/write.js";
import { importOnnxBytes } from "../src/onnx/import.js";
import { resnet18Onnx } from "./resnet18.js";
import type { BenchTable } from "./table.js";

export async function nirExportResnet18(): Promise<BenchTable> {
  const ann = importOnnxBytes(resnet18Onnx(), "resnet18-random.onnx");
  const n = 4;
  const size = 3 * 224 * 224;
  let s = 12345;
  const data = Float64Array.from({ length: n * size }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  });
  const { net } = compileGraph(ann, { shape: [n, 3, 224, 224], dtype: "<f8", data }, n, "random");
  const dir = mkdtempSync(join(tmpdir(), "spikec-bench-nir-"));
  const file = join(dir, "resnet18.nir");
  try {
    const t0 = performance.now();
    const graph = exportNir(net);
    const t1 = performance.now();
    await writeNirFile(file, graph);
    const t2 = performance.now();
    const mb = statSync(file).size / 2 ** 20;
    return {
      title: "NIR export of a ResNet-18-shaped compiled network (224×224, random weights, alpha model)",
      headers: ["stage", "seconds", "goal"],
      rows: [
        ["build NIR graph (exportNir)", (t1 - t0) / 1000, ""],
        ["write HDF5 (gzip, atomic rename)", (t2 - t1) / 1000, ""],
        ["export total", (t2 - t0) / 1000, "≤ 10 s"],
      ],
      notes: [`${graph.nodes.size} nodes, ${graph.edges.length} edges, file ${mb.toFixed(1)} MB`],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
