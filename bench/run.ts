/** `npm run bench`: every benchmark section, printed as tables. Goals live here, never in unit tests. */
import os from "node:os";
import { compileResnet18 } from "./compile-resnet18.js";
import { cycleVsExact } from "./cycle-vs-exact.js";
import { exactVsOnnxruntime } from "./exact-vs-ort.js";
import { agreementVsTicks } from "./agreement-vs-ticks.js";
import { lavaVsCycle } from "./lava-vs-cycle.js";
import { nirExportResnet18 } from "./nir-export.js";
import { printTable, type BenchTable } from "./table.js";
import { placeResnet18 } from "./place-resnet18.js";
import { quantizationCeiling } from "./quantization-ceiling.js";
import { singleThreaded } from "./threads.js";

const sections: [string, () => Promise<BenchTable>][] = [
  ["exact-vs-ort", () => singleThreaded(exactVsOnnxruntime)],
  ["compile-resnet18", compileResnet18],
  ["cycle-vs-exact", () => singleThreaded(cycleVsExact)],
  ["agreement-vs-ticks", agreementVsTicks],
  ["quantization-ceiling", quantizationCeiling],
  ["nir-export", nirExportResnet18],
  ["lava-vs-cycle", lavaVsCycle],
  ["place-resnet18", placeResnet18],
];

const only = process.argv.slice(2);
process.stdout.write(`spikec benchmarks — node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}\n`);
for (const [name, run] of sections) {
  if (only.length && !only.includes(name)) continue;
  printTable(await run());
}
