/**
 * NIR export of a ResNet-18-shaped SNN (224×224, 1000 classes, deterministic random parameters, built directly in
 * the SNN IR by resnet18-snn.ts so that this section does not depend on compile time): time to build the NIR graph
 * (exportNir, clocks included) and to write it as HDF5 (writeNirFile: uncompressed, atomic), plus the file size.
 * Goal: export ≤ 10 s. Section "nir-export" of `npm run bench`.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportNir } from "../src/nir/export.js";
import { writeNirFile } from "../src/nir/write.js";
import { verifyNetwork } from "../src/snn/verify.js";
import { resnet18Snn } from "./resnet18-snn.js";
import type { BenchTable } from "./table.js";

export async function nirExportResnet18(): Promise<BenchTable> {
  const net = resnet18Snn();
  verifyNetwork(net);
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
      title: "NIR export of a ResNet-18-shaped SNN (224×224, 1000 classes, random parameters, alpha model)",
      headers: ["stage", "seconds", "goal"],
      rows: [
        ["build NIR graph (exportNir)", (t1 - t0) / 1000, ""],
        ["write HDF5 (uncompressed like nir 1.0.7, atomic rename)", (t2 - t1) / 1000, ""],
        ["export total", (t2 - t0) / 1000, "≤ 10 s"],
      ],
      notes: [`${net.populations.length} populations, ${graph.nodes.size} NIR nodes, ${graph.edges.length} edges, file ${mb.toFixed(1)} MB`],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
