/**
 * The exact simulator on worker threads (threads.ts) gives bit-identical results to one thread: the sweep's key ranges
 * merged in order equal one range, and on the compiled worker path (tsc output; vitest runs TypeScript source, where
 * the worker file is absent) the sweep (sweep-threads.ts) proves the same neurons with the same times and the drive
 * (drive-threads.ts) has the same bits as with SPIKEC_THREADS=1.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { InputPopulation, Population, SpikingPopulation } from "../../src/snn/network.js";
import { prepareSpiking } from "../../src/sim/exact/prepare.js";
import { proveBySweep, sweepJob, sweepRange } from "../../src/sim/exact/proof-sweep.js";
import { splitKeys } from "../../src/sim/exact/sweep-threads.js";
import { decodeTimes } from "../../src/sim/exact/encode.js";
import { applyTerm } from "../../src/ann/term.js";

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** A conv population with a skip input, large enough (work ≥ 2e7) for the sweep to use the workers. */
function setup(seed: number) {
  const r = rng(seed);
  const [cin, h, w, cout, batch] = [16, 24, 24, 32, 8];
  const src = (id: string, shape: number[]): InputPopulation => ({ kind: "input", id, shape, origin: [], window: { tMin: 0, tMax: 1 }, range: { low: 0, high: 1 } });
  const a = src("a", [cin, h, w]);
  const skip = src("skip", [cout, h, w]);
  const times = (n: number) => Float64Array.from({ length: n }, () => (r() < 0.33 ? 1 : r()));
  const ta = times(batch * cin * h * w);
  const ts = times(batch * cout * h * w);
  const shape = [cout, h, w];
  const size = cout * h * w;
  const pop: SpikingPopulation = {
    kind: "spiking",
    id: "s",
    shape,
    origin: [],
    window: { tMin: 1, tMax: 3 },
    inputWindow: { tMin: 0, tMax: 1 },
    alpha: 1,
    threshold: new Float64Array(size),
    maxActivation: 1,
    scale: new Float64Array(size).fill(1),
    projections: [
      { kind: "conv", source: "a", delay: 0, group: 1, kernel: [3, 3], stride: [1, 1], pads: [1, 1, 1, 1], dilation: [1, 1], weight: Float64Array.from({ length: cout * cin * 9 }, () => (r() - 0.5) * 0.5) },
      { kind: "identity", source: "skip", delay: 0, weight: Float64Array.from({ length: cout }, () => (r() - 0.5) * 3) },
    ],
  };
  const drive = new Float64Array(batch * size);
  const xs = [decodeTimes(ta, 1), decodeTimes(ts, 1)];
  pop.projections.forEach((p, k) => applyTerm(p, xs[k]!, k === 0 ? a.shape : skip.shape, shape, batch, drive));
  for (let i = 0; i < size; i++) pop.threshold[i] = 1 + drive[i]! + (r() - 0.3) * 2;
  const byId = new Map<string, Population>([["a", a], ["skip", skip]]);
  const all = new Map([["a", ta], ["skip", ts]]);
  const list = Array.from({ length: batch * size }, (_, k) => k);
  return { pop, byId, batch, size, drive, list, times: (id: string) => all.get(id)! };
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
          return { out, rest, drive };
        } finally {
          if (saved === undefined) delete process.env.SPIKEC_THREADS;
          else process.env.SPIKEC_THREADS = saved;
        }
      };
      const one = run("1");
      expect(threadsMod.threadStats.workerTasks).toBe(0);
      // One worker task for the sweep and one for the drive with 2 threads, two each with 3.
      const two = run("2");
      expect(threadsMod.threadStats.workerTasks).toBe(2);
      const three = run("3");
      expect(threadsMod.threadStats.workerTasks).toBe(6);
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
      }
    });
  });
});
