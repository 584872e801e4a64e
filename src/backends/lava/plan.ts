/**
 * HW IR → a plan of Lava processes (the `--emit lava` backend's model; ./program.ts prints it as Python).
 *
 * Lava's conventions decide the shape of the plan (shared/tools/lava/README.md, verified bit for bit):
 * - One LIF process per compartment population: vth, du, dv are one value per process, so a population whose
 *   profiles differ in them is refused (the lowering folds per-neuron thresholds into per-neuron initial v).
 *   Lava's bit-accurate LIF adds 1 to du: du = decayU − 1 (−1 = no current decay); dv = decayV.
 * - One weight_exp and one sign mode per Dense/Sparse process: every synapse group is split into parts by
 *   (sign, exponent, delay), excitatory parts in [0, 255], inhibitory in [−255, −1]. Even mantissas with a
 *   negative exponent are normalized first ((w, e) → (w/2, e+1)), which merges parts and keeps −256 exact.
 * - Spike sources (the input and the clocks) are lava.proc.io.source.RingBuffer processes, one column per tick.
 * - Lava's Dense/Sparse deliver a spike one step later (the HW IR's latency 1); a delay d adds d steps
 *   (DelayDense/DelaySparse).
 * - Lava's processes are Loihi 2's: only a network lowered for a target with exactly Lava's arithmetic is planned
 *   (checkLavaTarget; loihi1 is refused: per-synapse clip and 22-bit dendritic sum, and no Lava backend).
 * What Lava's CPU models cannot reproduce is reported in `cpuInexact` (see ./resolution.ts).
 */
import { IntList } from "../../util/int-list.js";
import { InputError } from "../../util/errors.js";
import type { CubaProfile, HwCompartmentPopulation, HwInputEncoding, HwNetwork, HwPopulation, HwSourcePopulation, HwSynapseGroup } from "../../hw/network.js";
import { populationSize } from "../../hw/network.js";
import type { Target } from "../../hw/target/target.js";
import { forEachSynapse } from "../../hw/synapses.js";

/** Lava's LIF state limits (24-bit u and v; v saturates at ±(2^23 − 1)). */
export const LAVA_V_LIMIT = 2 ** 23 - 1;
/** Dense/Sparse weights Lava keeps unchanged with num_weight_bits = 8 and an explicit sign mode. */
export const LAVA_EXCITATORY_MAX = 255;
export const LAVA_INHIBITORY_MIN = -255;
export const LAVA_WEIGHT_EXP = { min: -8, max: 7 } as const;
/** DelayDense/DelaySparse delays (lava proc/dense, proc/sparse models: "between 0 and 63"; larger ones hang the run). */
export const LAVA_MAX_DELAY = 63;
/** What Lava's bit-accurate LIF adds to du and dv (ds_offset, dm_offset), whatever the target's offset registers. */
export const LAVA_DU_OFFSET = 1;
export const LAVA_DV_OFFSET = 0;

export interface LavaSource {
  kind: "source";
  /** Python variable name. */
  name: string;
  population: string;
  role: "input" | "clock";
  size: number;
  shape: number[];
  /** Clocks: neuron i spikes at ticks (CSR as in the HW IR); null for the input. */
  schedule: { offsets: Int32Array; ticks: Int32Array } | null;
  /** Input: how raw values become spike ticks (replicated in the program); null for clocks. */
  encoding: HwInputEncoding | null;
}

export interface LavaLif {
  kind: "lif";
  name: string;
  population: string;
  shape: number[];
  size: number;
  vth: number;
  du: number;
  dv: number;
  biasMant: Int32Array;
  biasExp: Int32Array;
  u: Int32Array;
  v: Int32Array;
}

export type LavaNeurons = LavaSource | LavaLif;

/** One Dense/Sparse (or Delay*) process: synapses as COO entries, all with one sign and one weight_exp. */
export interface LavaConnection {
  name: string;
  /** The HW IR synapse group this part comes from. */
  group: string;
  process: "Dense" | "Sparse" | "DelayDense" | "DelaySparse";
  source: string;
  target: string;
  /** Python variable names of the source and target neuron processes. */
  sourceName: string;
  targetName: string;
  nSource: number;
  nTarget: number;
  signMode: "EXCITATORY" | "INHIBITORY";
  weightExp: number;
  pre: Int32Array;
  post: Int32Array;
  weight: Int32Array;
  /** Ticks beyond Lava's one-step latency, for every synapse of the part. */
  delay: number;
}

export interface LavaReadoutPlan {
  population: string;
  name: string;
  tick: number;
  scale: number;
  offset: Float64Array | null;
  /** The model ends in a ReLU: the host applies max(logit, 0), as decodeReadout does. */
  relu: boolean;
}

export interface LavaPlan {
  target: string;
  ticks: number;
  neurons: LavaNeurons[];
  connections: LavaConnection[];
  readouts: LavaReadoutPlan[];
  /** Connections whose weight_exp < 0 with mantissas Lava's CPU model floors (./resolution.ts). */
  cpuInexact: { connection: string; synapses: number; weightExp: number }[];
}

/** Python identifiers for the processes: short, unique, in network order. */
const pyName = (prefix: string, i: number): string => `${prefix}${i}`;

function refuse(what: string, hint: string): never {
  throw new InputError(`--emit lava: ${what}`, hint);
}

function lifOf(pop: HwCompartmentPopulation, name: string): LavaLif {
  const where = `population '${pop.id}' (ONNX node ${pop.id})`;
  if (pop.neuron !== "cuba-lif")
    refuse(
      `${where} uses the ${pop.neuron} neuron program; Lava ships no such process (its LIF is the only integrate-and-fire neuron with a bit-accurate model)`,
      "compile with --neuron alpha (cuba-lif on every layer) for --emit lava, or emit --emit loihi for a chip with that microcode",
    );
  const profiles = pop.profiles as CubaProfile[];
  const p0 = profiles[0]!;
  for (const p of profiles) {
    if (p.vthMant !== p0.vthMant || p.decayU !== p0.decayU || p.decayV !== p0.decayV)
      refuse(`${where} has ${profiles.length} profiles with different vth/du/dv; a Lava LIF process holds one of each`, "lower with one threshold per layer (the default lowering folds per-neuron thresholds into initial voltages)");
  }
  for (const p of profiles) {
    if (p.refractory !== 0) refuse(`${where} has a refractory period of ${p.refractory} ticks; Lava's bit-accurate LIF has none`, "lower for loihi2 (latches instead of refractory periods)");
    if (p.vmax !== LAVA_V_LIMIT || p.vmin !== -LAVA_V_LIMIT)
      refuse(`${where} clips v to [${p.vmin}, ${p.vmax}]; Lava's LIF clips to ±${LAVA_V_LIMIT}`, "lower for loihi2 (its v limits are Lava's)");
  }
  const n = populationSize(pop);
  const biasExp = new Int32Array(n);
  if (typeof pop.biasExp === "number") biasExp.fill(pop.biasExp);
  else biasExp.set(pop.biasExp);
  return {
    kind: "lif",
    name,
    population: pop.id,
    shape: pop.shape,
    size: n,
    vth: p0.vthMant,
    // decayU/decayV are the effective decays; Lava's fixed-point LIF adds its own offsets to du and dv.
    du: p0.decayU - LAVA_DU_OFFSET,
    dv: p0.decayV - LAVA_DV_OFFSET,
    biasMant: pop.biasMant ? Int32Array.from(pop.biasMant) : new Int32Array(n),
    biasExp,
    u: pop.uInit ? Int32Array.from(pop.uInit) : new Int32Array(n),
    v: pop.vInit ? Int32Array.from(pop.vInit) : new Int32Array(n),
  };
}

/**
 * Whether a network lowered for `target` can become a Lava program, or an InputError naming the target. Lava's
 * processes are Loihi 2's: its bit-accurate CPU models (Loihi2SimCfg, "fixed_pt") and its only chip backend
 * (lava-loihi) are Loihi 2, so only a target with exactly Lava's arithmetic qualifies. That excludes Loihi 1 on two
 * counts beyond the hardware: it clips every synapse's contribution at ±(2^21 − 2^6) and wraps the per-tick dendritic
 * sum at 22 bits, and Lava's Dense/Sparse do neither (shared/tools/lava/README.md: sums are not saturated). A Lava run
 * of a loihi1 network would therefore simulate Loihi 2 running it, not Loihi 1. Call before compiling to fail early.
 */
export function checkLavaTarget(target: Target, loweredFor: string = target.id): void {
  const t = target;
  const name = `'${loweredFor}'${loweredFor === t.id ? ` (${t.name})` : ""}`;
  const hint = "compile with --target loihi2 for --emit lava (Lava runs Loihi 2's models); for Loihi 1 use --emit loihi (its per-core configuration)";
  const facts: [string, number, number][] = [
    ["synaptic latency", t.timing.synapticLatency, 1],
    ["threshold shift", t.neuron.threshold.shift, 6],
    ["weight shift", t.synapse.weightShift, 6],
    ["decay unity", t.neuron.decay.unity, 4096],
    ["u bits", t.neuron.state.uBits, 24],
  ];
  for (const [what, got, lava] of facts)
    if (got !== lava) refuse(`the HW IR was lowered for ${name}, whose ${what} is ${got}; Lava's LIF/Dense use ${lava}`, hint);
  if (t.neuron.threshold.compare !== "gt" || t.neuron.bias.entersState !== "v" || t.neuron.decay.rounding !== "toward-zero")
    refuse(`the HW IR was lowered for ${name}, whose neuron arithmetic differs from Lava's LIF (v > vth, bias into v, decays toward zero)`, hint);
  const differs: string[] = [];
  if (t.synapse.perSynapseClip !== null) differs.push(`clips each synapse's contribution at ±${t.synapse.perSynapseClip}`);
  if (t.neuron.state.qBits !== null) differs.push(`${t.neuron.state.qOverflow === "saturate" ? "saturates" : "wraps"} the per-tick dendritic sum at ${t.neuron.state.qBits} bits`);
  if (differs.length)
    refuse(
      `the HW IR was lowered for ${name}, which ${differs.join(" and ")}; Lava's Dense/Sparse (Loihi 2's models, the only ones Lava has) do neither, ` +
        `so the program would not reproduce that chip (and Lava does not run on it)`,
      hint,
    );
}

/** Splits one HW synapse group into Lava connection parts (sign × exponent × delayed). */
function partsOf(g: HwSynapseGroup, src: HwPopulation, dst: HwCompartmentPopulation, names: Map<string, string>, next: () => string): LavaConnection[] {
  interface Acc { key: string; pre: IntList; post: IntList; w: IntList; pairs: Set<number> | null }
  // Keyed by (sign, exponent, delay, copy) as one number: a group can hold ~10^8 synapses.
  const parts = new Map<number, Acc>();
  const nT = populationSize(dst);
  // Dense and conv groups visit each (pre, post) pair once; only an explicit list can repeat one.
  const repeats = g.kind === "sparse";
  forEachSynapse(g, src, dst, (pre, post, w0, e0, d) => {
    let w = w0;
    let e = e0;
    // Same contribution w·2^(6+e), fewer distinct exponents, and −256 becomes an inhibitory −128.
    while ((e < 0 || w === -256) && w % 2 === 0 && e < LAVA_WEIGHT_EXP.max) {
      w /= 2;
      e += 1;
    }
    if (w > LAVA_EXCITATORY_MAX || w < LAVA_INHIBITORY_MIN)
      refuse(
        `synapse group '${g.id}' (${g.source} → ${g.target}) has weight ${w0} at exponent ${e0}, outside the range Lava's Dense keeps unchanged ([${LAVA_INHIBITORY_MIN}, ${LAVA_EXCITATORY_MAX}]; Lava would silently clip it)`,
        "re-lower the network (loihi2 weights are 8-bit mantissas)",
      );
    if (e < LAVA_WEIGHT_EXP.min || e > LAVA_WEIGHT_EXP.max)
      refuse(`synapse group '${g.id}' has weight exponent ${e}, outside ${LAVA_WEIGHT_EXP.min}..${LAVA_WEIGHT_EXP.max}`, "re-lower the network for loihi2");
    if (d > LAVA_MAX_DELAY)
      refuse(
        `synapse group '${g.id}' (${g.source} → ${g.target}) has a delay of ${d} ticks; Lava's DelayDense/DelaySparse take 0..${LAVA_MAX_DELAY} (a larger one stops the Lava run)`,
        `lower for a target whose delay maximum is at most ${LAVA_MAX_DELAY} (loihi2: 62), so that longer delays become relay neurons`,
      );
    // One delay per part (Lava's int `delays`); a repeated (pre, post) pair goes to another part, because Lava's
    // matrices hold one weight per pair (scipy would sum duplicates, possibly out of range).
    const pair = pre * nT + post;
    let copy = 0;
    let id = 0;
    let acc: Acc | undefined;
    for (;;) {
      id = (((copy * 64 + d) * 32 + (e + 16)) * 2 + (w > 0 ? 1 : 0));
      acc = parts.get(id);
      if (!acc || !acc.pairs?.has(pair)) break;
      copy++;
    }
    if (!acc) parts.set(id, (acc = { key: `${w > 0 ? "exc" : "inh"}:${e}:${d}:${copy}`, pre: new IntList(), post: new IntList(), w: new IntList(), pairs: repeats ? new Set() : null }));
    acc.pairs?.add(pair);
    acc.pre.push(pre);
    acc.post.push(post);
    acc.w.push(w);
  });
  // In the order of their keys' text, as the program names them.
  const order = [...parts.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return order.map((acc) => {
    const [sign, e, d] = acc.key.split(":") as [string, string, string];
    const sparse = g.kind !== "dense";
    const delay = Number(d) > 0;
    return {
      name: next(),
      group: g.id,
      process: sparse ? (delay ? "DelaySparse" : "Sparse") : delay ? "DelayDense" : "Dense",
      source: g.source,
      target: g.target,
      sourceName: names.get(g.source)!,
      targetName: names.get(g.target)!,
      nSource: populationSize(src),
      nTarget: populationSize(dst),
      signMode: sign === "exc" ? "EXCITATORY" : "INHIBITORY",
      weightExp: Number(e),
      pre: acc.pre.toArray(),
      post: acc.post.toArray(),
      weight: acc.w.toArray(),
      delay: Number(d),
    };
  });
}

/** The Lava processes and connections that realize `net` (lowered for `target`), or an InputError saying why not. */
export function planLava(net: HwNetwork, target: Target): LavaPlan {
  checkLavaTarget(target, net.target);
  const names = new Map<string, string>();
  const neurons: LavaNeurons[] = net.populations.map((p, i) => {
    if (p.kind === "source") {
      const s = p as HwSourcePopulation;
      const name = pyName(s.role === "input" ? "src" : "clk", i);
      names.set(p.id, name);
      if (s.role === "input" && !s.encoding) refuse(`input population '${p.id}' has no encoding`, "re-run spikec compile … --target loihi2");
      const schedule = s.role === "clock" ? (s.schedule ?? refuse(`clock population '${p.id}' has no schedule`, "re-run the lowering")) : null;
      return { kind: "source", name, population: p.id, role: s.role, size: populationSize(p), shape: [...p.shape], schedule, encoding: s.role === "input" ? s.encoding! : null };
    }
    const name = pyName("lif", i);
    names.set(p.id, name);
    return lifOf(p, name);
  });
  const pops = new Map(net.populations.map((p) => [p.id, p]));
  let k = 0;
  const next = () => pyName("syn", k++);
  const connections: LavaConnection[] = [];
  for (const g of net.synapses) {
    const src = pops.get(g.source);
    const dst = pops.get(g.target);
    if (!src || !dst || dst.kind !== "compartments") refuse(`synapse group '${g.id}' connects unknown or source populations ${g.source} → ${g.target}`, "re-run the lowering");
    connections.push(...partsOf(g, src!, dst as HwCompartmentPopulation, names, next));
  }
  const readouts = net.readouts.map((r) => {
    const name = names.get(r.population);
    if (!name || pops.get(r.population)!.kind !== "compartments") refuse(`readout of '${r.population}' is not a compartment population`, "re-run the lowering");
    if (r.tick < 0 || r.tick >= net.ticks) refuse(`readout of '${r.population}' at tick ${r.tick}, outside 0..${net.ticks - 1}`, "re-run the lowering");
    return { population: r.population, name: name!, tick: r.tick, scale: r.scale, offset: r.offset, relu: r.relu === true };
  });
  const cpuInexact = connections
    .filter((c) => c.weightExp < 0)
    .map((c) => ({ connection: `${c.name} (${c.group})`, synapses: c.weight.filter((w) => w % 2 ** -c.weightExp !== 0).length, weightExp: c.weightExp }))
    .filter((c) => c.synapses > 0);
  return { target: net.target, ticks: net.ticks, neurons, connections, readouts, cpuInexact };
}
