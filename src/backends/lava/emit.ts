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

export const LAVA_DIR = "lava";
export const LAVA_PROGRAM = "network.py";

export interface LavaEmitResult {
  files: string[];
  plan: LavaPlan;
  /** Warnings for the user (Lava CPU inexactness). */
  warnings: string[];
}

/** The program for `net` (lowered for `target`) in memory: everything that can refuse it, before any file. */
export function buildLavaProgram(net: HwNetwork, target: Target, source = "hw.json"): { plan: LavaPlan; program: LavaProgram } {
  const plan = planLava(net, target);
  return { plan, program: lavaProgram(plan, { generator: "spikec", source }) };
}

/** Writes DIR/lava/ from a built program. */
export function writeLavaFiles(dir: string, built: { plan: LavaPlan; program: LavaProgram }): LavaEmitResult {
  const { plan, program } = built;
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
          `Loihi scales each synapse, but Lava's CPU models shift each step's summed input (flooring), so a CPU run of ${py} can differ from spikec's cycle simulator`,
      ]
    : [];
  return { files, plan, warnings };
}

/** Writes DIR/lava/ for `net` (lowered for `target`); `source` names the HW IR in the program's header. */
export function writeLavaProgram(dir: string, net: HwNetwork, target: Target, source = "hw.json"): LavaEmitResult {
  return writeLavaFiles(dir, buildLavaProgram(net, target, source));
}
