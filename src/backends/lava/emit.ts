/**
 * `spikec compile … --target loihi2 --emit lava`: writes DIR/lava/network.py and the arrays it loads
 * (DIR/lava/<name>.npy). The plan (./plan.ts) refuses what Lava cannot express, with the reason and what to try.
 */
import { join } from "node:path";
import { ensureFolder, writeFileAtomic } from "../../io/atomic.js";
import { encodeNpy } from "../../io/npy.js";
import type { HwNetwork } from "../../hw/network.js";
import type { Target } from "../../hw/target/target.js";
import { planLava, type LavaPlan } from "./plan.js";
import { lavaProgram, type LavaProgram } from "./program.js";
import { checkLavaCpu, lavaCpuCheckText, type LavaCpuCheck } from "./cpu-model.js";

export const LAVA_DIR = "lava";
export const LAVA_PROGRAM = "network.py";

export interface LavaEmitResult {
  files: string[];
  plan: LavaPlan;
  /** Warnings for the user (Lava CPU inexactness). */
  warnings: string[];
}

/** Samples of the CPU check (./cpu-model.ts: ~0.1 s per lenet5-sized sample at 64 ticks per window). */
const CPU_CHECK_SAMPLES = 16;

/** Raw inputs and the chip's logits for them (the cycle simulation of `net`), for the CPU check. */
export interface LavaCpuCheckData {
  x: Float64Array;
  n: number;
  chipLogits: Float64Array;
}

export interface BuiltLavaProgram {
  plan: LavaPlan;
  program: LavaProgram;
  /** How a CPU run compares with the chip, when the plan has processes the CPU floors and data was given. */
  cpuCheck: LavaCpuCheck | null;
}

/**
 * The program for `net` (lowered for `target`) in memory: everything that can refuse it, before any file. With
 * `check`, a plan that Lava's CPU models cannot run exactly is run through spikec's model of them, and the measured
 * difference goes into the program's header and warning.
 */
export function buildLavaProgram(net: HwNetwork, target: Target, source = "hw.json", check?: LavaCpuCheckData): BuiltLavaProgram {
  const plan = planLava(net, target);
  const n = check ? Math.min(check.n, CPU_CHECK_SAMPLES) : 0;
  const cpuCheck = check && plan.cpuInexact.length > 0 && n > 0 ? checkLavaCpu(plan, check.x, n, check.chipLogits) : null;
  return { plan, cpuCheck, program: lavaProgram(plan, { generator: "spikec", source, cpuCheck: cpuCheck ? lavaCpuCheckText(cpuCheck) : undefined }) };
}

/** Writes DIR/lava/ from a built program. */
export function writeLavaFiles(dir: string, built: BuiltLavaProgram): LavaEmitResult {
  const { plan, program, cpuCheck } = built;
  const out = join(dir, LAVA_DIR);
  ensureFolder(out);
  const files: string[] = [];
  for (const a of program.arrays) {
    const file = join(out, `${a.name}.npy`);
    writeFileAtomic(file, encodeNpy(a.shape, a.data, a.dtype));
    files.push(file);
  }
  const py = join(out, LAVA_PROGRAM);
  writeFileAtomic(py, program.text);
  files.unshift(py);
  const inexact = plan.cpuInexact.reduce((a, c) => a + c.synapses, 0);
  const warnings = plan.cpuInexact.length
    ? [
        `--emit lava: ${inexact} synapses in ${plan.cpuInexact.length} Lava connection processes have weight_exp < 0 with odd mantissas: ` +
          `Loihi scales each synapse, but Lava's CPU models shift each step's summed input (flooring), so a CPU run of ${py} can differ from spikec's cycle simulator` +
          (cpuCheck ? `: ${lavaCpuCheckText(cpuCheck)}` : ""),
      ]
    : [];
  return { files, plan, warnings };
}

/** Writes DIR/lava/ for `net` (lowered for `target`); `source` names the HW IR in the program's header. */
export function writeLavaProgram(dir: string, net: HwNetwork, target: Target, source = "hw.json"): LavaEmitResult {
  return writeLavaFiles(dir, buildLavaProgram(net, target, source));
}
