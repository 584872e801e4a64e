/**
 * Our cycle simulator vs Lava's bit-accurate CPU simulation of the same network (the program `--emit lava` writes),
 * on the fixtures at 16 ticks per window (loihi2, alpha): ms per image, and whether the two agree spike for spike
 * (same neuron, same tick) and logit for logit on the first LAVA_IMAGES test images. Our side is always measured;
 * Lava's only when LAVA_SRC names a Lava source tree (github lava-nc/lava, unpacked as in shared/tools/lava/README.md)
 * and LAVA_PYTHON (default python3) can import it (PYTHONPATH gets LAVA_SHIM, default ../shared/tools/lava, and
 * LAVA_SRC/src). Lava's number is wall time inside the program (after imports), reported by the program itself.
 *
 * The network is first rounded to Lava's CPU resolution (src/backends/lava/resolution.ts): Lava's CPU models shift
 * a process's summed input by a negative weight exponent, the chip scales each synapse; on the rounded network both
 * compute the same integers, so any difference is a bug in the program or in our simulator.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { compile, loadSamples } from "../src/compile.js";
import { lowerToHw } from "../src/hw/lower.js";
import { loadTarget } from "../src/hw/target/load.js";
import { readNpy, writeNpy } from "../src/io/npy.js";
import { compileCycle, type CycleResult } from "../src/sim/cycle/engine.js";
import { simulateCycleBatch } from "../src/sim/cycle/batch.js";
import { writeLavaProgram } from "../src/backends/lava/emit.js";
import { roundToLavaCpu } from "../src/backends/lava/resolution.js";
import { LENET5, MLP_DIGITS } from "./fixtures.js";
import { timeIt, type BenchTable } from "./table.js";

const TICKS_PER_WINDOW = 16;
const LAVA_IMAGES = Number(process.env.LAVA_IMAGES ?? 10);

const FIXTURES = [MLP_DIGITS, LENET5];

/** Spikes as sorted "population sample neuron tick" lines: the form both sides are compared in. */
type SpikeSet = Map<string, string[]>;

/** Flattens the program's SPIKES.npz to JSON with Python (the .npz is a zip; numpy reads it, we need no zip reader). */
const NPZ_TO_JSON = `import json, sys, numpy as np
z = np.load(sys.argv[1])
json.dump({str(p): [z[f"{p}/sample"].tolist(), z[f"{p}/neuron"].tolist(), z[f"{p}/tick"].tolist()] for p in z["populations"]}, open(sys.argv[2], "w"))`;

interface LavaRun {
  ms: number;
  logits: Float64Array;
  spikes: SpikeSet;
}

function lavaRun(dir: string, inputFile: string): LavaRun | string {
  const src = process.env.LAVA_SRC;
  if (!src) return "not measured (set LAVA_SRC)";
  if (!existsSync(join(src, "src", "lava"))) return `not measured (${src}/src/lava not found)`;
  const shim = process.env.LAVA_SHIM ?? resolve("../shared/tools/lava");
  const python = process.env.LAVA_PYTHON ?? "python3";
  const env = { ...process.env, PYTHONPATH: [shim, join(src, "src"), process.env.PYTHONPATH].filter(Boolean).join(":") };
  try {
    const out = execFileSync(python, [join(dir, "lava", "network.py"), "--input", inputFile, "--output", join(dir, "lava-logits.npy"), "--spikes", join(dir, "lava-spikes.npz")], {
      env,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      maxBuffer: 1 << 24,
    });
    const line = out.trim().split("\n").pop() ?? "";
    const ms = (JSON.parse(line) as { msPerSample: number }).msPerSample;
    execFileSync(python, ["-c", NPZ_TO_JSON, join(dir, "lava-spikes.npz"), join(dir, "lava-spikes.json")], { env, stdio: "ignore" });
    const raw = JSON.parse(readFileSync(join(dir, "lava-spikes.json"), "utf8")) as Record<string, [number[], number[], number[]]>;
    const spikes: SpikeSet = new Map(Object.entries(raw).map(([p, [s, i, t]]) => [p, s.map((_, k) => `${s[k]} ${i[k]} ${t[k]}`).sort()]));
    return { ms, logits: readNpy(join(dir, "lava-logits.npy")).data as Float64Array, spikes };
  } catch (e) {
    return `not measured (${python}/Lava failed: ${(e as Error).message.split("\n")[0]})`;
  }
}

function addCycleSpikes(into: SpikeSet, b: number, r: CycleResult): void {
  for (const [p, { tick, neuron }] of Object.entries(r.raster ?? {})) {
    const list = into.get(p) ?? [];
    for (let k = 0; k < tick.length; k++) list.push(`${b} ${neuron[k]} ${tick[k]}`);
    into.set(p, list);
  }
}

/** Populations whose spikes differ (count of differing spikes), over the populations either side logged. */
function spikeDifferences(a: SpikeSet, b: SpikeSet): { compared: number; differing: string[] } {
  let compared = 0;
  const differing: string[] = [];
  for (const p of new Set([...a.keys(), ...b.keys()])) {
    const x = (a.get(p) ?? []).slice().sort();
    const y = b.get(p) ?? [];
    compared += x.length;
    const ys = new Set(y);
    const xs = new Set(x);
    const diff = x.filter((s) => !ys.has(s)).length + y.filter((s) => !xs.has(s)).length;
    if (diff > 0) differing.push(`${p} (${diff})`);
  }
  return { compared, differing };
}

export async function lavaVsCycle(): Promise<BenchTable> {
  const target = loadTarget("loihi2");
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  const tmp = mkdtempSync(join(tmpdir(), "spikec-bench-lava-"));
  try {
    for (const f of FIXTURES) {
      const compiled = compile(f.model, f.calib);
      const hw = roundToLavaCpu(lowerToHw(compiled.net, target, TICKS_PER_WINDOW).hw);
      const { array, count } = loadSamples(f.test, f.shape);
      const size = f.shape.reduce((a, b) => a * b, 1);
      const n = Math.min(count, 200);
      const prog = compileCycle(hw, target);
      const cycle = (await timeIt(() => simulateCycleBatch(prog, array.data.subarray(0, n * size), n), 3)) / n;
      const ours: SpikeSet = new Map();
      const checked = simulateCycleBatch(prog, array.data.subarray(0, LAVA_IMAGES * size), LAVA_IMAGES, { raster: true }, (b, r) => addCycleSpikes(ours, b, r));
      const dir = join(tmp, f.name);
      const emitted = writeLavaProgram(dir, hw, target);
      const input = join(dir, "x.npy");
      writeNpy(input, [LAVA_IMAGES, ...f.shape], array.data.subarray(0, LAVA_IMAGES * size));
      const lava = lavaRun(dir, input);
      if (typeof lava === "string") {
        rows.push([f.name, hw.ticks, emitted.plan.connections.length, cycle, lava, "–", "–", "–"]);
        continue;
      }
      let maxLogit = 0;
      for (let k = 0; k < checked.logits.length; k++) maxLogit = Math.max(maxLogit, Math.abs(checked.logits[k]! - lava.logits[k]!));
      const { compared, differing } = spikeDifferences(ours, lava.spikes);
      rows.push([f.name, hw.ticks, emitted.plan.connections.length, cycle, lava.ms, `${(lava.ms / cycle).toFixed(0)} ×`, differing.length ? `NO: ${differing.join(", ")}` : `yes (${compared} spikes)`, maxLogit]);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  notes.push(
    `Lava: the program spikec compile --emit lava writes, on the network rounded to Lava's CPU resolution, run with Loihi2SimCfg(select_tag="fixed_pt") on the first ${LAVA_IMAGES} test images; wall time of the sample loop, including Lava's compilation at the first run, excluding Python imports`,
    "same spikes: every (population, sample, neuron, tick) of the cycle simulator's raster equals the program's SPIKES.npz, input and clock sources included",
  );
  return {
    title: "Cycle simulation vs Lava's bit-accurate CPU models (ms per image, loihi2, alpha, 16 ticks per window)",
    headers: ["network", "ticks", "Lava connection processes", "cycle ms", `Lava ms (${LAVA_IMAGES} images)`, "Lava / cycle", `same spikes (${LAVA_IMAGES} images)`, "max |Δlogit|"],
    rows,
    notes,
  };
}
