/**
 * The exact simulator on worker threads (threads.ts) gives bit-identical results to one thread: the sweep's key ranges
 * merged in order equal one range, and on the compiled worker path (tsc output; vitest runs TypeScript source, where
 * the worker file is absent) the sweep (sweep-threads.ts) proves the same neurons with the same times and the drive
 * (drive-threads.ts), also in its one-pass form with the excitatory part, has the same bits as with SPIKEC_THREADS=1.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { prepareSpiking } from "../../src/sim/exact/prepare.js";
import { proveBySweep, sweepJob, sweepRange } from "../../src/sim/exact/proof-sweep.js";
import { splitKeys } from "../../src/sim/exact/sweep-threads.js";
import { skipConvCase } from "../helpers/skip-conv.js";

/** A conv population with a skip input, large enough (work ≥ 2e7) for the sweep to use the workers. */
function setup(seed: number) {
  const c = skipConvCase(seed, { cin: 16, h: 24, w: 24, cout: 32, batch: 8 }, { convWeight: 0.5, thresholdSpread: 2 });
  return { ...c, list: Array.from({ length: c.batch * c.size }, (_, k) => k) };
}

describe("exact-simulator threads", () => {
  it("merges key ranges in order into the one-range result", () => {
    const s = setup(1);
    const prep = prepareSpiking(s.pop, s.byId);
    const job = sweepJob(prep, s.times, s.batch, s.list, s.drive);
    const whole = sweepRange(job, 0, job.start.length - 1);
    expect(whole.proven.length).toBeGreaterThan(1000);
    expect(whole.rest.length).toBeGreaterThan(1000);
    for (const parts of [2, 3, 7]) {
      const bounds = splitKeys(job.start, parts);
      expect(bounds.length).toBe(parts + 1);
      const pieces = bounds.slice(1).map((k1, p) => sweepRange(job, bounds[p]!, k1));
      // Neuron counts per part within one key's worth of neurons (cout) of an equal share.
      for (const piece of pieces) expect(Math.abs(piece.proven.length + piece.rest.length - s.list.length / parts)).toBeLessThanOrEqual(s.pop.shape[0]!);
      const cat = (get: (p: (typeof pieces)[number]) => ArrayLike<number>) => pieces.flatMap((p) => Array.from(get(p)));
      expect(cat((p) => p.proven)).toEqual(Array.from(whole.proven));
      expect(cat((p) => p.rest)).toEqual(Array.from(whole.rest));
      expect(new Float64Array(cat((p) => p.times))).toEqual(whole.times);
    }
  });

  describe("compiled worker path", () => {
    const dir = mkdtempSync(join(tmpdir(), "spikec-threads-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("is bit-identical to SPIKEC_THREADS=1 and runs a part on a worker", { timeout: 180_000 }, async () => {
      execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json", "--outDir", dir, "--declaration", "false"], { stdio: "inherit" });
      const load = (m: string) => import(pathToFileURL(join(dir, m)).href);
      const sweepMod = (await load("sim/exact/proof-sweep.js")) as typeof import("../../src/sim/exact/proof-sweep.js");
      const prepMod = (await load("sim/exact/prepare.js")) as typeof import("../../src/sim/exact/prepare.js");
      const threadsMod = (await load("sim/exact/threads.js")) as typeof import("../../src/sim/exact/threads.js");
      const driveMod = (await load("sim/exact/drive-threads.js")) as typeof import("../../src/sim/exact/drive-threads.js");
      const popMod = (await load("sim/exact/population.js")) as typeof import("../../src/sim/exact/population.js");
      const s = setup(2);
      const prep = prepMod.prepareSpiking(s.pop, s.byId);
      const run = (threads: string) => {
        const saved = process.env.SPIKEC_THREADS;
        process.env.SPIKEC_THREADS = threads;
        try {
          const out = new Float64Array(s.list.length).fill(NaN);
          const rest = sweepMod.proveBySweep(prep, s.times, s.batch, s.list, s.drive, out);
          const drive = popMod.projectionDrive(s.pop.projections, prep.sources, s.times, s.pop.shape, s.batch);
          // The conv projection with its excitatory part in one pass (alpha's drive when every projection is a conv).
          const conv = s.pop.projections[0]!;
          const source = prep.sources[0]!;
          const x = s.times(source.id).map((t) => source.window.tMax - t);
          const signed = { out: new Float64Array(drive.length), excitatory: new Float64Array(drive.length) };
          driveMod.applySignedInParts([conv], [x], [source.shape], s.pop.shape, s.batch, signed.out, signed.excitatory);
          return { out, rest, drive, signed };
        } finally {
          if (saved === undefined) delete process.env.SPIKEC_THREADS;
          else process.env.SPIKEC_THREADS = saved;
        }
      };
      const one = run("1");
      expect(threadsMod.threadStats.workerTasks).toBe(0);
      // One worker task each for the sweep, the drive and the one-pass drive with 2 threads, two each with 3.
      const two = run("2");
      expect(threadsMod.threadStats.workerTasks).toBe(3);
      const three = run("3");
      expect(threadsMod.threadStats.workerTasks).toBe(9);
      expect(one.signed.excitatory.some((v) => v > 0)).toBe(true);
      expect(one.rest.length).toBeGreaterThan(1000);
      // The compiled single-thread path equals the source's (the test's own drive, proveBySweep from src/).
      expect(Buffer.from(one.drive.buffer).equals(Buffer.from(s.drive.buffer))).toBe(true);
      const srcOut = new Float64Array(s.list.length).fill(NaN);
      expect(proveBySweep(prepareSpiking(s.pop, s.byId), s.times, s.batch, s.list, s.drive, srcOut)).toEqual(one.rest);
      expect(Buffer.from(srcOut.buffer).equals(Buffer.from(one.out.buffer))).toBe(true);
      for (const got of [two, three]) {
        expect(got.rest).toEqual(one.rest);
        // Bit-identical, NaN (not proven) included.
        expect(Buffer.from(got.out.buffer).equals(Buffer.from(one.out.buffer))).toBe(true);
        expect(Buffer.from(got.drive.buffer).equals(Buffer.from(one.drive.buffer))).toBe(true);
        expect(Buffer.from(got.signed.out.buffer).equals(Buffer.from(one.signed.out.buffer))).toBe(true);
        expect(Buffer.from(got.signed.excitatory.buffer).equals(Buffer.from(one.signed.excitatory.buffer))).toBe(true);
      }
    });
  });
});
