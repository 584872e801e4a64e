/**
 * Compile time and peak memory of a ResNet-18-shaped model (224×224, random weights) with 16 calibration inputs.
 * Runs in a child process so that its peak RSS is its own. RESNET18_SIZE=64 (or 112) runs a smaller input side.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { BenchTable } from "./table.js";

export interface ResnetResult {
  side: number;
  importMs: number;
  compileMs: number;
  /** Milliseconds per compile stage, in order. */
  stageMs: [string, number][];
  maxRssMb: number;
  neurons: number;
  synapses: number;
  latency: number;
}

export function compileResnet18(): Promise<BenchTable> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL("./compile-resnet18-child.js", import.meta.url)), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    child.on("message", (m) => {
      const r = m as ResnetResult;
      resolve({
        title: `Compile a ResNet-18-shaped model (ImageNet ${r.side}×${r.side}, random weights), 16 calibration inputs`,
        headers: ["stage", "seconds", "peak RSS (MB)", "goal"],
        rows: [
          ["build + import ONNX", r.importMs / 1000, "", ""],
          ...r.stageMs.map(([stage, ms]): (string | number)[] => [`  ${stage}`, ms / 1000, "", ""]),
          ["compile (canonicalize, map with calibration, check)", r.compileMs / 1000, r.maxRssMb, r.side === 224 ? "≤ 60 s, ≤ 4096 MB" : ""],
        ],
        notes: [`${r.neurons.toLocaleString("en-US")} spiking neurons, ${r.synapses.toLocaleString("en-US")} synapses, latency ${r.latency.toFixed(2)} input windows`],
      });
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) reject(new Error(`ResNet-18 compile child exited with ${code}`));
    });
  });
}
