/**
 * --emit lava is for --target loihi2 only. Lava's processes and bit-accurate models are Loihi 2's (and Lava has no
 * Loihi 1 backend); Loihi 1 clips each synapse's contribution at ±(2^21 − 2^6) and wraps the per-tick dendritic sum
 * at 22 bits, which Lava's Dense/Sparse do not model. A loihi1 lowering is refused with an InputError naming the
 * target, before any file is written.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../src/compile.js";
import { checkLavaTarget, planLava } from "../../src/backends/lava/plan.js";
import { loadTarget } from "../../src/hw/target/load.js";
import { runCli } from "../helpers/cli.js";
import { scratchDir } from "../helpers/scratch.js";
import { writeInputs, writeModel } from "./models.js";
import { inputErrorOf } from "../helpers/input-error.js";

const dir = scratchDir("spikec-lava-target-");
const model = writeModel(dir, "model.onnx");
const x = writeInputs(dir, 100);

describe("--emit lava and the target", () => {
  it("checkLavaTarget: loihi2 passes; loihi1 is refused, naming the target, its clip and its 22-bit sum", () => {
    expect(() => checkLavaTarget(loadTarget("loihi2"))).not.toThrow();
    const e = inputErrorOf(() => checkLavaTarget(loadTarget("loihi1")));
    expect(e.message).toBe(
      "--emit lava: the HW IR was lowered for 'loihi1' (Intel Loihi (N2)), which clips each synapse's contribution at ±2097088 and wraps the per-tick dendritic sum at 22 bits; " +
        "Lava's Dense/Sparse (Loihi 2's models, the only ones Lava has) do neither, so the program would not reproduce that chip (and Lava does not run on it)",
    );
    expect(e.hint).toMatch(/--target loihi2 for --emit lava.*--emit loihi/);
    expect(e.exitCode).toBe(2);
  });

  it("planLava refuses a network lowered for loihi1 and plans the same model lowered for loihi2", () => {
    const l1 = compile(model, x, { target: "loihi1", hardwareSamples: 50 });
    expect(inputErrorOf(() => planLava(l1.hw!.net, l1.hw!.target)).message).toMatch(/lowered for 'loihi1'/);
    const l2 = compile(model, x, { target: "loihi2", hardwareSamples: 50 });
    const plan = planLava(l2.hw!.net, l2.hw!.target);
    expect(plan.target).toBe("loihi2");
    expect(plan.neurons.filter((n) => n.kind === "lif").length).toBe(l2.hw!.net.populations.filter((p) => p.kind === "compartments").length);
  });

  it("spikec compile --target loihi1 --emit lava: exit 2, the InputError, no lava/network.py", async () => {
    const out = join(dir, "out-l1");
    const r = await runCli(["compile", model, "--calib", x, "--target", "loihi1", "--emit", "lava", "-o", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--emit lava: the HW IR was lowered for 'loihi1'/);
    expect(r.stderr).toMatch(/try: compile with --target loihi2/);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(existsSync(join(out, "lava", "network.py"))).toBe(false);
    const ok = await runCli(["compile", model, "--calib", x, "--target", "loihi2", "--emit", "lava", "-o", join(dir, "out-l2")]);
    expect(ok.code).toBe(0);
    expect(existsSync(join(dir, "out-l2", "lava", "network.py"))).toBe(true);
  });
});
