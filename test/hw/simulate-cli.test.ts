/**
 * spikec simulate --engine cycle (runs DIR/hw.json) and --raster (both engines): logits equal the engine's own,
 * raster rows equal the engine's spikes, a folder without hw.json gets a message naming it and how to make it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readNpy, writeNpy } from "../../src/io/npy.js";
import { saveHwNetwork } from "../../src/hw/serialize.js";
import { encodeInputTicks } from "../../src/hw/io.js";
import { loadTarget } from "../../src/hw/target/load.js";
import { simulateCycle } from "../../src/sim/cycle/engine.js";
import { runCli } from "../helpers/cli.js";
import { featureNetwork } from "./hw-builders.js";
import { scratchDir } from "../helpers/scratch.js";

const MLP = "test/fixtures/mlp_digits.onnx";
const CALIB = "test/fixtures/digits_calib_x.npy";
let tmp = "";
let hwDir = "";
let xPath = "";
const N = 5;
const x = Float64Array.from({ length: N * 9 }, (_, k) => ((k * 7) % 11) / 10);

beforeAll(() => {
  tmp = scratchDir("spikec-sim-");
  hwDir = join(tmp, "hw");
  saveHwNetwork(hwDir, featureNetwork(false, "loihi1"));
  xPath = join(tmp, "x.npy");
  writeNpy(xPath, [N, 1, 3, 3], x);
});

describe("spikec simulate --engine cycle", () => {
  it("writes the engine's logits and a raster whose rows are the engine's spikes (.npy and .json)", async () => {
    const out = join(tmp, "logits.npy");
    const rasterNpy = join(tmp, "r.npy");
    const r = await runCli(["simulate", hwDir, "--engine", "cycle", "--input", xPath, "--output", out, "--raster", rasterNpy]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/simulated 5 samples \(cycle, loihi1, 20 ticks each\)/);
    expect(r.stdout).toMatch(/populations 0=in, 1=clock, 2=conv, 3=fc/);
    const net = featureNetwork(false, "loihi1");
    const t = loadTarget("loihi1");
    const logits = readNpy(out);
    expect(logits.shape).toEqual([N, 3]);
    const rows = readNpy(rasterNpy);
    expect(rows.shape[1]).toBe(4);
    const got = Array.from({ length: rows.shape[0]! }, (_, k) => Array.from(rows.data.subarray(4 * k, 4 * k + 4)));
    const expected: number[][] = [];
    for (let b = 0; b < N; b++) {
      const one = simulateCycle(net, t, encodeInputTicks(net, x.subarray(9 * b, 9 * b + 9)).spikes, { raster: true });
      expect(Array.from(logits.data.subarray(3 * b, 3 * b + 3))).toEqual(Array.from(one.readouts[0]!.logits));
      ["in", "clock", "conv", "fc"].forEach((id, pi) => {
        const s = one.raster![id];
        if (!s) return;
        const pairs = Array.from(s.tick, (tick, k) => [b, pi, s.neuron[k]!, tick]).sort((p, q) => p[3]! - q[3]! || p[2]! - q[2]!);
        expected.push(...pairs);
      });
    }
    expect(got).toEqual(expected);
    expect(got.filter((row) => row[1] === 2).length).toBeGreaterThan(0); // the conv population spikes
    // the same as JSON
    const rasterJson = join(tmp, "r.json");
    expect((await runCli(["simulate", hwDir, "--engine", "cycle", "--input", xPath, "--output", join(tmp, "l2.npy"), "--raster", rasterJson])).code).toBe(0);
    const doc = JSON.parse(readFileSync(rasterJson, "utf8"));
    expect(doc).toMatchObject({ format: "spikec.raster", version: 1, engine: "cycle", unit: "tick", samples: N });
    const fromJson = (doc.populations as { sample: number[]; neuron: number[]; time: number[] }[]).flatMap((p, pi) => p.sample.map((b, k) => [b, pi, p.neuron[k]!, p.time[k]!]));
    fromJson.sort((p, q) => p[0]! - q[0]! || p[1]! - q[1]! || p[3]! - q[3]! || p[2]! - q[2]!);
    expect(fromJson).toEqual(got);
  });

  it("a folder without hw.json: names the file and the compile command that writes it (exit 2)", async () => {
    const r = await runCli(["simulate", tmp, "--engine", "cycle", "--input", xPath, "--output", join(tmp, "none.npy")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/hw\.json does not exist: the cycle engine runs the network lowered for a chip/);
    expect(r.stderr).toMatch(/spikec compile MODEL\.onnx .*--target loihi2/);
  });
});

describe("spikec simulate --raster (exact engine)", () => {
  it("dumps every spike time of every population: one input spike per pixel, times within the windows", async () => {
    const out = join(tmp, "mlp");
    expect((await runCli(["compile", MLP, "--calib", CALIB, "-o", out])).code).toBe(0);
    const calib = readNpy(CALIB);
    const xs = join(tmp, "digits3.npy");
    writeNpy(xs, [3, 64], calib.data.subarray(0, 3 * 64));
    const raster = join(tmp, "exact.json");
    const r = await runCli(["simulate", out, "--input", xs, "--output", join(tmp, "mlp-logits.npy"), "--raster", raster, "--json"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(readFileSync(raster, "utf8"));
    expect(doc).toMatchObject({ engine: "exact", unit: "window", samples: 3 });
    const input = doc.populations[0];
    expect(input.shape).toEqual([64]);
    expect(input.sample.length).toBe(3 * 64); // alpha model: every pixel spikes, in [0, 1]
    expect(Math.min(...input.time)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...input.time)).toBeLessThanOrEqual(1);
    const summary = JSON.parse(r.stdout);
    expect(summary.raster.populations.map((p: { spikes: number }) => p.spikes)).toEqual(doc.populations.map((p: { sample: number[] }) => p.sample.length));
  });
});
