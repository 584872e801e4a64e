/**
 * --emit lava: the generated program (network.py text + .npy arrays) read back and checked against the HW IR —
 * processes and parameters, every synaptic contribution, clock rasters, readouts — and the program's input encoding
 * against src/hw/io.ts. No Python: the text is parsed with regular expressions and the arrays with src/io/npy.ts.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compile } from "../../src/compile.js";
import { lowerToHw } from "../../src/hw/lower.js";
import { loadTarget } from "../../src/hw/target/load.js";
import { encodeTick } from "../../src/hw/io.js";
import type { HwCompartmentPopulation, HwInputEncoding, HwNetwork } from "../../src/hw/network.js";
import { populationSize } from "../../src/hw/network.js";
import { readNpy } from "../../src/io/npy.js";
import { compileSynapses } from "../../src/sim/cycle/synapses.js";
import { writeLavaProgram } from "../../src/backends/lava/emit.js";
import { planLava } from "../../src/backends/lava/plan.js";
import { roundToLavaCpu } from "../../src/backends/lava/resolution.js";
import { InputError } from "../../src/util/errors.js";
import { featureNetwork } from "../hw/hw-builders.js";

const target = loadTarget("loihi2");
const tmp = mkdtempSync(join(tmpdir(), "spikec-lava-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Parsed {
  lifs: Map<string, { population: string; size: number; vth: number; du: number; dv: number }>;
  sources: Map<string, { population: string; role: string }>;
  conns: Map<string, { process: string; nT: number; nS: number; delay: number; exp: number; sign: string; group: string; from?: string; to?: string }>;
  readouts: { population: string; lif: string; tick: number; scale: number; relu: boolean }[];
}

/** Reads the program's build() back: one statement per line (the layout src/backends/lava/program.ts promises). */
function parseProgram(text: string): Parsed {
  const p: Parsed = { lifs: new Map(), sources: new Map(), conns: new Map(), readouts: [] };
  for (const m of text.matchAll(/^ {4}(lif\d+) = LIF\(shape=\((\d+),\), vth=(\d+), du=(-?\d+), dv=(\d+), .*name=("[^"]*")\)$/gm))
    p.lifs.set(m[1]!, { population: JSON.parse(m[6]!), size: +m[2]!, vth: +m[3]!, du: +m[4]!, dv: +m[5]! });
  for (const m of text.matchAll(/^ {4}(src\d+) = TickSource\(size=(\d+), period=TICKS, name=("[^"]*")\)/gm)) p.sources.set(m[1]!, { population: JSON.parse(m[3]!), role: "input" });
  for (const m of text.matchAll(/^ {4}(clk\d+) = RingBuffer\(data=arr\("\1_raster"\)\)  # clock ("[^"]*")$/gm)) p.sources.set(m[1]!, { population: JSON.parse(m[2]!), role: "clock" });
  for (const m of text.matchAll(
    /^ {4}(syn\d+) = (Dense|Sparse|DelayDense|DelaySparse)\(weights=(?:dense|sparse)\("\1", (\d+), (\d+)\), (?:delays=(?:(\d+)|delays\("\1", \3, \4, (\d+)\)), )?weight_exp=(-?\d+), num_weight_bits=8, sign_mode=SignMode\.(EXCITATORY|INHIBITORY), name=("[^"]*")\)$/gm,
  ))
    p.conns.set(m[1]!, { process: m[2]!, nT: +m[3]!, nS: +m[4]!, delay: m[5] ? +m[5] : m[6] ? +m[6] : 0, exp: +m[7]!, sign: m[8]!, group: JSON.parse(m[9]!) });
  for (const m of text.matchAll(/^ {4}(\w+)\.s_out\.connect\((syn\d+)\.s_in\); \2\.a_out\.connect\((\w+)\.a_in\)$/gm)) {
    const c = p.conns.get(m[2]!)!;
    c.from = m[1]!;
    c.to = m[3]!;
  }
  for (const m of text.matchAll(/^ {4}\(("[^"]*"), (lif\d+), (\d+), ([-0-9.e]+), (?:arr\("[^"]*"\)|None), (True|False)\),$/gm))
    p.readouts.push({ population: JSON.parse(m[1]!), lif: m[2]!, tick: +m[3]!, scale: +m[4]!, relu: m[5] === "True" });
  return p;
}

const load = (dir: string, name: string) => readNpy(join(dir, "lava", `${name}.npy`)).data;

/** Emits `net`, reads it back and checks everything against the HW IR; returns the parsed program. */
function checkAgainstHw(net: HwNetwork, name: string): Parsed {
  const dir = join(tmp, name);
  writeLavaProgram(dir, net, target);
  const text = readFileSync(join(dir, "lava", "network.py"), "utf8");
  const p = parseProgram(text);
  // DelaySparse delays carry the weights' sparsity (an int would make Lava build and scan a full nT×nS matrix per step).
  const delaySparse = [...p.conns.values()].filter((c) => c.process === "DelaySparse").length;
  expect(text.match(/DelaySparse\(weights=sparse\("(syn\d+)", \d+, \d+\), delays=delays\("\1", /g)?.length ?? 0).toBe(delaySparse);
  const byPop = new Map<string, string>();
  for (const [k, v] of [...p.lifs, ...p.sources]) byPop.set(v.population, k);
  // Every population is one process, with Lava's parameters.
  for (const pop of net.populations) {
    const k = byPop.get(pop.id);
    expect(k, pop.id).toBeDefined();
    if (pop.kind === "source") {
      expect(p.sources.get(k!)!.role).toBe(pop.role);
      if (pop.role === "clock") {
        const r = load(dir, `${k}_raster`);
        const n = populationSize(pop);
        for (let i = 0; i < n; i++) {
          const want = Array.from(pop.schedule!.ticks.subarray(pop.schedule!.offsets[i]!, pop.schedule!.offsets[i + 1]!));
          const got = Array.from({ length: net.ticks }, (_, t) => t).filter((t) => r[i * net.ticks + t] === 1);
          expect(got).toEqual(want);
        }
      }
      continue;
    }
    const c = pop as HwCompartmentPopulation;
    const lif = p.lifs.get(k!)!;
    const prof = c.profiles[0]!;
    if (prof.neuron !== "cuba-lif") throw new Error("cuba-lif expected");
    const n = populationSize(c);
    expect([lif.size, lif.vth, lif.du, lif.dv]).toEqual([n, prof.vthMant, prof.decayU - 1, prof.decayV]);
    expect(Array.from(load(dir, `${k}_v`))).toEqual(Array.from(c.vInit ?? new Int32Array(n)));
    expect(Array.from(load(dir, `${k}_u`))).toEqual(Array.from(c.uInit ?? new Int32Array(n)));
    expect(Array.from(load(dir, `${k}_bias_mant`))).toEqual(Array.from(c.biasMant ?? new Int32Array(n)));
    const be = load(dir, `${k}_bias_exp`);
    for (let i = 0; i < n; i++) expect(be[i]).toBe(typeof c.biasExp === "number" ? c.biasExp : c.biasExp[i]);
  }
  // Every synaptic contribution: Σ over the Lava parts of w · 2^(6 + weight_exp) per (pre, post, delay) equals the
  // cycle engine's own expansion of the HW IR group (src/sim/cycle/synapses.ts, an independent code path).
  const pops = new Map(net.populations.map((q) => [q.id, q]));
  for (const g of net.synapses) {
    const want = new Map<string, number>();
    const cs = compileSynapses(g, pops, { weightShift: 6, perSynapseClip: null, maxDelay: 62 });
    for (let j = 0; j + 1 < cs.offsets.length; j++)
      for (let s = cs.offsets[j]!; s < cs.offsets[j + 1]!; s++) {
        const key = `${j}>${cs.post[s]}@${cs.delays ? cs.delays[s] : cs.delay}`;
        want.set(key, (want.get(key) ?? 0) + cs.contribution[s]!);
      }
    const got = new Map<string, number>();
    const parts = [...p.conns].filter(([, c]) => c.group === g.id);
    expect(parts.length).toBeGreaterThan(0);
    for (const [k, c] of parts) {
      expect(c.from).toBe(byPop.get(g.source));
      expect(c.to).toBe(byPop.get(g.target));
      expect([c.nS, c.nT]).toEqual([populationSize(pops.get(g.source)!), populationSize(pops.get(g.target)!)]);
      expect(c.process).toBe((c.delay > 0 ? "Delay" : "") + (g.kind === "dense" ? "Dense" : "Sparse"));
      const pre = load(dir, `${k}_pre`);
      const post = load(dir, `${k}_post`);
      const w = load(dir, `${k}_w`);
      const pairs = new Set<number>();
      for (let s = 0; s < w.length; s++) {
        // Lava keeps these weights unchanged: one sign per process, |w| ≤ 255, one weight per (pre, post).
        if (c.sign === "EXCITATORY") expect(w[s]!).toBeGreaterThan(0);
        else expect(w[s]!).toBeLessThan(0);
        expect(Math.abs(w[s]!)).toBeLessThanOrEqual(255);
        expect(pairs.has(pre[s]! * 1e6 + post[s]!)).toBe(false);
        pairs.add(pre[s]! * 1e6 + post[s]!);
        const key = `${pre[s]}>${post[s]}@${c.delay}`;
        got.set(key, (got.get(key) ?? 0) + w[s]! * 2 ** (6 + c.exp));
      }
    }
    expect(new Map([...got].filter(([, v]) => v !== 0))).toEqual(new Map([...want].filter(([, v]) => v !== 0)));
  }
  expect(p.readouts.map((r) => [r.population, r.lif, r.tick])).toEqual(net.readouts.map((r) => [r.population, byPop.get(r.population), r.tick]));
  for (const [i, r] of net.readouts.entries()) {
    expect(p.readouts[i]!.scale).toBe(r.scale);
    expect(p.readouts[i]!.relu).toBe(r.relu === true);
    if (r.offset) expect(Array.from(load(dir, `readout${i}_offset`))).toEqual(Array.from(r.offset));
  }
  return p;
}

describe("--emit lava on the lowered mlp_digits (loihi2, alpha)", () => {
  const compiled = compile("test/fixtures/mlp_digits.onnx", "test/fixtures/digits_calib_x.npy");
  const { hw } = lowerToHw(compiled.net, target, 16);

  it("has one LIF per population, one source per input/clock, and every contribution of every synapse group", () => {
    const p = checkAgainstHw(hw, "mlp");
    expect(p.lifs.size).toBe(hw.populations.filter((q) => q.kind === "compartments").length);
    expect(p.sources.size).toBe(hw.populations.filter((q) => q.kind === "source").length);
  });

  it("flags the parts Lava's CPU models floor, and the CPU-resolution rounding leaves none", () => {
    const plan = planLava(hw, target);
    expect(plan.cpuInexact.length).toBeGreaterThan(0); // the loihi2 lowering uses negative exponents
    const rounded = roundToLavaCpu(hw);
    expect(planLava(rounded, target).cpuInexact).toEqual([]);
    checkAgainstHw(rounded, "mlp-cpu");
  });

  it("carries a readout ReLU (a model ending in a ReLU) into the program", () => {
    const withRelu: HwNetwork = { ...hw, readouts: hw.readouts.map((r) => ({ ...r, relu: true })) };
    const p = checkAgainstHw(withRelu, "mlp-relu");
    expect(p.readouts.every((r) => r.relu)).toBe(true);
    expect(readFileSync(join(tmp, "mlp-relu", "lava", "network.py"), "utf8")).toMatch(/if last\[5\]:\n\s+logits\[k\] = np\.maximum\(logits\[k\], 0\)/);
  });
});

describe("--emit lava on mlp_digits lowered with --mixed-sign (loihi2, alpha)", () => {
  it("splits each mixed-sign list into one-signed processes and keeps every contribution", () => {
    const compiled = compile("test/fixtures/mlp_digits.onnx", "test/fixtures/digits_calib_x.npy");
    const { hw } = lowerToHw(compiled.net, target, 16, { mixedSign: true });
    const mixed = hw.synapses.filter((g) => g.id.endsWith("/mixed"));
    expect(mixed.length).toBe(2);
    const p = checkAgainstHw(hw, "mlp-mixed");
    for (const g of mixed) expect(new Set([...p.conns.values()].filter((c) => c.group === g.id).map((c) => c.sign))).toEqual(new Set(["EXCITATORY", "INHIBITORY"]));
  });
});

describe("--emit lava on a hand-built network with conv, per-neuron delays, sparse clocks and biases", () => {
  const base = featureNetwork(false);
  // One vth per Lava LIF: unify the conv profiles; −256 at exponent 7 is refused below, so use −254 here.
  const conv = base.populations.find((q) => q.id === "conv") as HwCompartmentPopulation;
  const net: HwNetwork = {
    ...base,
    populations: base.populations.map((q) => (q === conv ? { ...conv, profiles: [conv.profiles[0]!], profileOf: null } : q)),
    synapses: base.synapses.map((g) => (g.id === "s1" ? { ...g, weight: Int16Array.of(254, -254) } : g)),
  };

  it("expands conv to Sparse, uses DelayDense per delay and matches every contribution", () => {
    const p = checkAgainstHw(net, "feature");
    const d1 = [...p.conns.values()].filter((c) => c.group === "d1");
    expect(new Set(d1.map((c) => c.delay))).toEqual(new Set([0, 2, 62]));
    expect([...p.conns.values()].filter((c) => c.group === "c1").every((c) => c.process === "Sparse")).toBe(true);
  });

  it("refuses what Lava cannot express, naming the population or group", () => {
    const refusal = (n: HwNetwork) => {
      try {
        planLava(n, target);
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as Error).message;
      }
      return "";
    };
    expect(refusal(featureNetwork(true))).toMatch(/conv.*profiles with different vth|two-phase-b1/);
    const withB1 = featureNetwork(true);
    const b1Only: HwNetwork = { ...withB1, populations: withB1.populations.map((q) => (q.id === "conv" ? net.populations.find((r) => r.id === "conv")! : q)), synapses: withB1.synapses.map((g) => (g.id === "s1" ? net.synapses.find((h) => h.id === "s1")! : g)) };
    expect(refusal(b1Only)).toMatch(/population 'b1'.*two-phase-b1.*no such process/);
    expect(refusal(base)).toMatch(/profiles with different vth/);
    const minus256: HwNetwork = { ...net, synapses: base.synapses };
    expect(refusal(minus256)).toMatch(/group 's1'.*weight -256 at exponent 7/);
    const refr: HwNetwork = { ...net, populations: net.populations.map((q) => (q.id === "fc" && q.kind === "compartments" ? { ...q, profiles: [{ ...(q.profiles[0] as never as object), refractory: 3 } as never] } : q)) };
    expect(refusal(refr)).toMatch(/'fc'.*refractory period of 3 ticks/);
    expect(() => planLava({ ...net, target: "loihi1" }, loadTarget("loihi1"))).toThrow(/lowered for 'loihi1'.*clips each synapse/); // Lava models Loihi 2 only
    // A custom target allowing longer delays: Lava's Delay processes take 0..63 (64 stops the Lava run), so refused.
    const long = (d: number): HwNetwork => ({ ...net, synapses: net.synapses.map((g) => (g.id === "d1" ? { ...g, delay: Uint8Array.of(0, 2, d) } : g)) });
    expect(() => planLava(long(63), target)).not.toThrow();
    expect(refusal(long(64))).toMatch(/^--emit lava: synapse group 'd1' \(.*\) has a delay of 64 ticks; Lava's DelayDense\/DelaySparse take 0\.\.63/);
  });

  it("du and dv: the effective decays minus Lava's own offsets (1 and 0), not the target's offset registers", () => {
    const lif = (t: typeof target) => planLava(net, t).neurons.find((n) => n.kind === "lif" && n.population === "fc") as { du: number; dv: number };
    const fcProfile = (net.populations.find((q) => q.id === "fc") as HwCompartmentPopulation).profiles[0] as { decayU: number; decayV: number };
    expect(lif(target)).toMatchObject({ du: fcProfile.decayU - 1, dv: fcProfile.decayV });
    // A target whose u-decay register has no offset computes the same effective decay; Lava still adds its 1.
    const noOffset = { ...target, neuron: { ...target.neuron, decay: { ...target.neuron.decay, offsetU: 0, offsetV: 0 } } };
    expect(lif(noOffset)).toMatchObject({ du: fcProfile.decayU - 1, dv: fcProfile.decayV });
  });
});

describe("the program's input encoding", () => {
  /** network.py's encode_ticks, transcribed: float64 steps, Math.round as floor + (fraction ≥ 0.5). */
  function pythonEncode(e: HwInputEncoding, x: number): number {
    let xh = (x - e.low) / (e.high - e.low);
    xh = xh > 0 ? xh : 0;
    xh = xh > 1 ? 1 : xh;
    const t = (1 - xh) * e.ticksPerWindow;
    const fl = Math.floor(t);
    const r = e.rounding === "floor" ? fl : fl + (t - fl >= 0.5 ? 1 : 0);
    return e.silentAtLow && xh === 0 ? -1 : e.firstTick + r;
  }

  it("gives the same tick as src/hw/io.ts on ties, edges, out-of-range and random values", () => {
    const encs: HwInputEncoding[] = [
      { low: 0, high: 1, firstTick: 0, ticksPerWindow: 16, rounding: "nearest", silentAtLow: false },
      { low: -0.4242, high: 2.8215, firstTick: 3, ticksPerWindow: 256, rounding: "floor", silentAtLow: true },
      { low: 0, high: 255, firstTick: 1, ticksPerWindow: 7, rounding: "nearest", silentAtLow: true },
    ];
    let n = 0;
    for (const e of encs) {
      const xs = [e.low, e.high, e.low - 1, e.high + 1, NaN, 0.49999999999999994, 0.5, 1 / 32, 3 / 32];
      for (let k = 0; k <= 2 * e.ticksPerWindow; k++) xs.push(e.low + ((e.high - e.low) * k) / (2 * e.ticksPerWindow)); // ties
      for (let k = 0; k < 2000; k++) xs.push(e.low - 0.1 + Math.sin(k * 12.9898) * 0.5 * (e.high - e.low + 0.2) + 0.5 * (e.high - e.low));
      for (const x of xs) {
        expect(pythonEncode(e, x)).toBe(encodeTick(e, x));
        n++;
      }
    }
    expect(n).toBeGreaterThan(6000);
  });

  it("is the formula written in network.py", () => {
    const text = readFileSync(join(tmp, "mlp", "lava", "network.py"), "utf8");
    expect(text).toContain("xh = (np.asarray(x, dtype=np.float64) - low) / (high - low)");
    expect(text).toContain("r = fl if rounding == \"floor\" else fl + ((t - fl) >= 0.5)");
    expect(text).toContain('INPUT_ENCODING = json.loads(r"""[{"population":"input","size":64,"shape":[64],"low":0,"high":1,"firstTick":0,"ticksPerWindow":16,"rounding":"nearest","silentAtLow":false}]""")');
  });

  it("refuses, as spikec simulate does, inputs of another shape and NaN or infinite values (audit: [N, 8, 8] and NaN ran)", () => {
    const text = readFileSync(join(tmp, "mlp", "lava", "network.py"), "utf8");
    expect(text).toContain('if expected is not None and tuple(x.shape[1:]) != expected:\n        sys.exit(f"{args.input} has shape {list(x.shape)}, but the network expects [N, {\', \'.join(map(str, expected))}]")');
    expect(text).toContain("if not np.isfinite(x).all():");
  });
});
