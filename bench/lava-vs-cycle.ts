/**
 * Our cycle simulator vs Lava's bit-accurate CPU simulation of the same network (the program `--emit lava` writes),
 * ms per image, on the fixtures at 16 ticks per window (loihi2, alpha). Our side is always measured; Lava's only
 * when LAVA_SRC names a Lava source tree (github lava-nc/lava, e.g. unpacked as in shared/tools/lava/README.md) and
 * python3 can import it (PYTHONPATH gets LAVA_SHIM, default ../shared/tools/lava, and LAVA_SRC/src). Lava's number
 * is wall time inside the program (after imports), reported by the program itself.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { compile, loadSamples } from "../src/compile.js";
import { lowerToHw } from "../src/hw/lower.js";
import { loadTarget } from "../src/hw/target/load.js";
import { writeNpy } from "../src/io/npy.js";
import { compileCycle } from "../src/sim/cycle/engine.js";
import { simulateCycleBatch } from "../src/sim/cycle/batch.js";
import { writeLavaProgram } from "../src/backends/lava/emit.js";
import { timeIt, type BenchTable } from "./table.js";

const TICKS_PER_WINDOW = 16;
const LAVA_IMAGES = 10;

const FIXTURES = [
  { name: "mlp_digits", model: "test/fixtures/mlp_digits.onnx", calib: "test/fixtures/digits_calib_x.npy", test: "test/fixtures/digits_test_x.npy", shape: [64] },
  { name: "lenet5_fmnist", model: "test/fixtures/lenet5_fmnist.onnx", calib: "test/fixtures/fmnist_calib_x.npy", test: "test/fixtures/fmnist_test_x.npy", shape: [1, 28, 28] },
];

/** Lava's ms per image from the program's own JSON line, or a reason it was not measured. */
function lavaMs(dir: string, inputFile: string): number | string {
  const src = process.env.LAVA_SRC;
  if (!src) return "not measured (set LAVA_SRC)";
  if (!existsSync(join(src, "src", "lava"))) return `not measured (${src}/src/lava not found)`;
  const shim = process.env.LAVA_SHIM ?? resolve("../shared/tools/lava");
  try {
    const out = execFileSync("python3", [join(dir, "lava", "network.py"), "--input", inputFile, "--output", join(dir, "lava-logits.npy")], {
      env: { ...process.env, PYTHONPATH: [shim, join(src, "src"), process.env.PYTHONPATH].filter(Boolean).join(":") },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      maxBuffer: 1 << 24,
    });
    const line = out.trim().split("\n").pop() ?? "";
    return (JSON.parse(line) as { msPerSample: number }).msPerSample;
  } catch (e) {
    return `not measured (python3/Lava failed: ${(e as Error).message.split("\n")[0]})`;
  }
}

export async function lavaVsCycle(): Promise<BenchTable> {
  const target = loadTarget("loihi2");
  const rows: (string | number)[][] = [];
  const tmp = mkdtempSync(join(tmpdir(), "spikec-bench-lava-"));
  try {
    for (const f of FIXTURES) {
      const compiled = compile(f.model, f.calib);
      const { hw } = lowerToHw(compiled.net, target, TICKS_PER_WINDOW);
      const { array, count } = loadSamples(f.test, f.shape);
      const size = f.shape.reduce((a, b) => a * b, 1);
      const n = Math.min(count, 200);
      const prog = compileCycle(hw, target);
      const cycle = (await timeIt(() => simulateCycleBatch(prog, array.data.subarray(0, n * size), n), 3)) / n;
      const dir = join(tmp, f.name);
      const emitted = writeLavaProgram(dir, hw, target);
      const input = join(dir, "x.npy");
      writeNpy(input, [LAVA_IMAGES, ...f.shape], array.data.subarray(0, LAVA_IMAGES * size));
      const lava = lavaMs(dir, input);
      rows.push([f.name, hw.ticks, emitted.plan.connections.length, cycle, lava, typeof lava === "number" ? `${(lava / cycle).toFixed(0)} ×` : "–"]);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return {
    title: "Cycle simulation vs Lava's bit-accurate CPU models (ms per image, loihi2, alpha, 16 ticks per window)",
    headers: ["network", "ticks", "Lava connection processes", "cycle ms", `Lava ms (${LAVA_IMAGES} images)`, "Lava / cycle"],
    rows,
    notes: ["Lava: the program spikec compile --emit lava writes, run with Loihi2SimCfg(select_tag=\"fixed_pt\"); wall time of the sample loop, including Lava's compilation at the first run, excluding Python imports"],
  };
}
