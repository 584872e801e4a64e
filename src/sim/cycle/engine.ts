/**
 * Bit-accurate, tick-by-tick simulation of an HW IR network with a target's integer arithmetic
 * (the update rules are stated in src/hw/network.ts; Loihi's in shared/spec/targets.md §1.4).
 *
 * Fast by touching a neuron only when something non-linear can happen to it:
 * - "Linear" neurons — non-leaky cuba-lif whose bias enters v, and every two-phase b1 neuron — sleep between
 *   events. Between inputs their u is constant, so v moves by a constant step per tick and the next threshold
 *   crossing (or b1 phase change) is computed in closed form (./linear.ts). A neuron is updated with the exact
 *   tick rule only at ticks where input arrives or its predicted spike falls; in between it is jumped over, lazily,
 *   when it is next touched or read out. Predicted ticks sit in a per-population calendar (one list per tick).
 * - Leaky neurons are stepped every tick while awake; they sleep when the next tick cannot change them without
 *   input: at rest (u = 0, no bias, not refractory, and v = 0 or no v decay), or at a fixed point of the tick rule
 *   (an input-free tick left u, v and the counter unchanged, without a spike or clip; e.g. a max-pool neuron whose
 *   v decays fully while its input holds u).
 * - Dense ticks: at a tick where at least 1/DENSE_SHARE of a plain cuba or b1 population's neurons get input (a
 *   layer during its source's window), all of its neurons are stepped in one pass in order, without predicting their
 *   next spikes (WebAssembly SIMD two at a time in the common case: ./simd.ts denseTick; JS for the rest);
 *   the first sparse tick after predicts them all. The same rule on the same states, so the same results (tested
 *   against sparse-only runs); fewer per-neuron branches.
 * A population's spikes at a tick are routed together once its update passes are done (the latency is ≥ 1 tick),
 * projection by projection (./projections.ts: conv kernels, dense rows, CSR), into per-population delay rings (a
 * power of two ≥ latency + delay + 1 slots) that hold exact integer sums, so neither the order in which neurons are
 * visited nor the order of routing changes a result. A compiled program keeps its buffers, and its calendar before
 * tick 0, across runs: no allocation per tick, little per sample.
 * With WebAssembly SIMD (./simd.ts, laid out by ./simd-layout.ts) the rings, their input flags and the conv and long
 * dense operands live in one memory per program, and conv delivery, dense rows and the scan for neurons with input
 * run there (bit-identical: the same exact float64 sums); `simd: false` or SPIKEC_SIMD=0 keeps everything in JS.
 * The per-neuron passes are written for V8: the common case (updatePlainCuba: one profile, no bias, no refractory
 * ticks, as lowered lenets have) has its own loop, no routing happens inside a pass, and integers are kept int32
 * (`| 0`; a float64 index costs a conversion check per array access).
 */
import { InputError } from "../../util/errors.js";
import type { Target } from "../../hw/target/target.js";
import type { B1Profile, CubaProfile, HwCompartmentPopulation, HwInputSpikes, HwNetwork, HwPopulation } from "../../hw/network.js";
import { populationSize } from "../../hw/network.js";
import { decodeReadout } from "../../hw/io.js";
import { decayFloor, decayTowardZero } from "./arithmetic.js";
import { firstCrossing, rampClip, type RampResult } from "./linear.js";
import { compileSynapses, convSummary, denseSummary, summaryOf, type CompiledSynapses } from "./synapses.js";
import { buildProjections, CONV, CSR, deliverConv, deliverCsr, deliverDense, uniformDelay, type Projection } from "./projections.js";
import type { CycleKernels } from "./simd.js";
import { layoutCycleMemory, type StateAddresses } from "./simd-layout.js";
import { unsupportedArithmetic } from "../../hw/target/supported.js";

/** The target's arithmetic, as numbers the engine uses directly. */
export interface CycleArithmetic {
  uBits: number;
  uWrap: boolean;
  qBits: number | null;
  qWrap: boolean;
  decayUnity: number;
  decayTowardZero: boolean;
  thresholdShift: number;
  /** true: spike when v ≥ vth; false (Loihi): v > vth. */
  compareGe: boolean;
  biasIntoU: boolean;
  latency: number;
}

export function arithmeticOf(t: Target): CycleArithmetic {
  return {
    uBits: t.neuron.state.uBits,
    uWrap: t.neuron.state.uOverflow === "wrap",
    qBits: t.neuron.state.qBits,
    qWrap: t.neuron.state.qOverflow !== "saturate",
    decayUnity: t.neuron.decay.unity,
    decayTowardZero: t.neuron.decay.rounding === "toward-zero",
    thresholdShift: t.neuron.threshold.shift,
    compareGe: t.neuron.threshold.compare === "ge",
    biasIntoU: t.neuron.bias.entersState === "u",
    latency: t.timing.synapticLatency,
  };
}

/**
 * A plain cuba or b1 population whose neurons with input at a tick are at least 1/DENSE_SHARE of it steps all of them
 * (runCycle): a pass in order costs less than the sparse update of most of them, with its prediction per neuron.
 */
const DENSE_SHARE = 4;

export interface CycleOptions {
  /** Record u, v and spikes of every neuron of this population at every tick. */
  trace?: string;
  /** Record every spike (tick, neuron) per population. */
  raster?: boolean;
}

export interface CycleTrace {
  population: string;
  /** Per tick, the state after that tick's update. */
  u: Int32Array[];
  v: Int32Array[];
  spike: Uint8Array[];
}

export interface CycleResult {
  readouts: { population: string; tick: number; v: Int32Array; logits: Float64Array }[];
  /** Per compartment population: tick of each neuron's first spike, −1 if none. */
  firstSpike: Record<string, Int32Array>;
  spikeCount: Record<string, number>;
  /** Every spike per population (sources included), in order of emission. */
  raster?: Record<string, { tick: Int32Array; neuron: Int32Array }>;
  trace?: CycleTrace;
  /**
   * Register events: wraps of q and u, and clips of v that v keeps (a clip on a tick that spikes or is refractory sets
   * v to 0 right after and changes nothing: not counted). A proven-in-range network has none.
   */
  overflow: { q: number; u: number; vmax: number; vmin: number };
  /**
   * neuronUpdates: tick updates by the exact rule; jumps: closed-form advances over ≥ 1 tick;
   * ticksSimulated/ticksSkipped: ticks at which something was / nothing was processed; sourceSpikes: spikes of the
   * inputs and the clocks (spikeCount has the compartments').
   */
  stats: { synapticEvents: number; neuronUpdates: number; jumps: number; ticksSimulated: number; ticksSkipped: number; sourceSpikes: number };
}

// -------------------------------------------------------------------------------------------------------------

/** Parameters, state and buffers of one compartment population (reused across runs of a program). */
class Compartments {
  readonly n: number;
  readonly b1: boolean;
  // parameters per neuron
  readonly lazy: Uint8Array;
  readonly decayU: Int32Array;
  readonly decayV: Int32Array;
  readonly vth: Float64Array;
  vmin: Float64Array;
  vmax: Float64Array;
  readonly refractory: Int32Array;
  readonly bias: Float64Array;
  phase2Start: Int32Array;
  readonly phase2End: Int32Array;
  readonly ramp: Float64Array;
  readonly uInit: Float64Array;
  readonly vInit: Float64Array;
  readonly hasLeaky: boolean;
  readonly uniform: boolean;
  readonly vth0: number;
  readonly vmin0: number;
  readonly vmax0: number;
  readonly refractory0: number;
  /** Every neuron is a non-leaky cuba-lif: the engine's inlined fast path applies. */
  readonly allLazyCuba: boolean;
  /** …and all share one profile without refractory ticks and have no bias (a lowered lenet's layers): the plainest path. */
  readonly plainCuba: boolean;
  /** Scratch: neurons whose calendar entry falls at the current tick. */
  readonly due: Int32Array;
  /** Scratch: neurons that spiked at the current tick, routed together once the population's passes are done. */
  readonly spiked: Int32Array;
  nSpiked = 0;
  /** Every neuron, in order: the list a dense tick steps in JS (plain cuba and b1 populations; see runCycle). */
  readonly all: Int32Array;
  /** Neurons a dense tick in WebAssembly left to the JS pass (./simd.ts denseTick). */
  slow = new Int32Array(0);
  /** Byte addresses of the state in the program's SIMD kernel memory (./simd-layout.ts), or null. */
  stateAddr: StateAddresses | null = null;
  /** A dense tick stepped every neuron without predicting its next spike: predictions are due before the next sparse tick. */
  stale = false;
  // state (after the update of tick last[i])
  u: Float64Array;
  v: Float64Array;
  readonly counter: Int32Array;
  latched: Uint8Array;
  last: Int32Array;
  /** Tick of the neuron's pending calendar entry, −1 if none (older entries are stale). */
  readonly nextEvent: Int32Array;
  /** Last tick at which the neuron was updated (dedupes input, calendar and awake list). */
  stamp: Int32Array;
  readonly firstSpike: Int32Array;
  spikes = 0;
  // leaky neurons stepped every tick while awake
  readonly awake: Uint8Array;
  readonly awakeList: Int32Array;
  awakeCount = 0;
  // calendar: per tick a linked list of (neuron) entries in a growing pool
  readonly head: Int32Array;
  poolNeuron = new Int32Array(1024);
  poolNext = new Int32Array(1024);
  poolLen = 0;
  // delay ring: slot s holds the input that arrives at ticks ≡ s (mod slots); slots is a power of two, so the
  // slot of a tick is tick & slotMask (an integer % is a division, paid per spike and projection otherwise)
  slots = 1;
  slotMask = 0;
  ring = new Float64Array(0);
  /** Byte address of `ring` in the program's SIMD kernel memory (a view of it), or −1 (./simd-layout.ts). */
  ringAddr = -1;
  /**
   * Per slot, a flag per block of 32 neurons that may have input (set without a branch when routing), and a flag
   * per slot. Neurons whose input sums to 0 are skipped: for a sleeping neuron an update with q = 0 changes nothing.
   */
  blocks = 0;
  blockFlag = new Uint8Array(0);
  slotFlag = new Uint8Array(0);
  /** Scratch: neurons with input at the current tick. */
  arrived = new Int32Array(0);
  /** Byte addresses of blockFlag and arrived in the SIMD kernel memory, or −1 (./simd-layout.ts). */
  flagAddr = -1;
  arrivedAddr = -1;

  constructor(
    readonly pop: HwCompartmentPopulation,
    readonly index: number,
    arith: CycleArithmetic,
    ticks: number,
  ) {
    const n = (this.n = populationSize(pop) | 0); // a Smi field (see deliverConv in ./projections.ts)
    this.b1 = pop.neuron === "two-phase-b1";
    const fail = (what: string): never => {
      throw new InputError(`HW IR population '${pop.id}': ${what}`, "the HW IR is inconsistent; re-run the lowering");
    };
    if (pop.profiles.length === 0) fail("has no profiles");
    for (const p of pop.profiles) if (p.neuron !== pop.neuron) fail(`profile of kind ${p.neuron} in a ${pop.neuron} population`);
    const lengthOk = (a: ArrayLike<number> | null | number) => a === null || typeof a === "number" || a.length === n;
    if (!lengthOk(pop.profileOf) || !lengthOk(pop.biasMant) || !lengthOk(pop.biasExp) || !lengthOk(pop.uInit) || !lengthOk(pop.vInit))
      fail(`per-neuron arrays must have ${n} entries`);
    this.lazy = new Uint8Array(n);
    this.decayU = new Int32Array(n);
    this.decayV = new Int32Array(n);
    this.vth = new Float64Array(n);
    this.vmin = new Float64Array(n);
    this.vmax = new Float64Array(n);
    this.refractory = new Int32Array(n);
    this.bias = new Float64Array(n);
    this.phase2Start = new Int32Array(n);
    this.phase2End = new Int32Array(n);
    this.ramp = new Float64Array(n);
    let leaky = false;
    for (let i = 0; i < n; i++) {
      const pi = pop.profileOf ? pop.profileOf[i]! : 0;
      const p = pop.profiles[pi];
      if (!p) fail(`neuron ${i} uses profile ${pi}, but there are ${pop.profiles.length}`);
      this.vth[i] = p!.vthMant * 2 ** arith.thresholdShift;
      this.vmin[i] = p!.vmin;
      this.vmax[i] = p!.vmax;
      if (p!.neuron === "cuba-lif") {
        const c = p as CubaProfile;
        this.decayU[i] = c.decayU;
        this.decayV[i] = c.decayV;
        this.refractory[i] = c.refractory;
        // Closed form needs u constant between inputs (no u decay, no bias into u) and v linear (no v decay).
        this.lazy[i] = c.decayU === 0 && c.decayV === 0 && !arith.biasIntoU ? 1 : 0;
      } else {
        const b = p as B1Profile;
        this.phase2Start[i] = b.phase2Start;
        this.phase2End[i] = b.phase2End;
        this.ramp[i] = b.ramp;
        this.lazy[i] = 1;
      }
      if (!this.lazy[i]) leaky = true;
      const exp = typeof pop.biasExp === "number" ? pop.biasExp : pop.biasExp[i]!;
      this.bias[i] = pop.biasMant ? pop.biasMant[i]! * 2 ** exp : 0;
    }
    this.hasLeaky = leaky;
    // One profile and no per-neuron bias: the hot path reads these scalars instead of per-neuron arrays.
    this.uniform = pop.profiles.length === 1 && pop.biasMant === null;
    this.vth0 = this.vth[0] ?? 0;
    this.vmin0 = this.vmin[0] ?? 0;
    this.vmax0 = this.vmax[0] ?? 0;
    this.refractory0 = this.refractory[0] ?? 0;
    this.allLazyCuba = !leaky && !this.b1;
    this.plainCuba = this.allLazyCuba && this.uniform && this.refractory0 === 0;
    this.uInit = pop.uInit ? Float64Array.from(pop.uInit) : new Float64Array(n);
    this.vInit = pop.vInit ? Float64Array.from(pop.vInit) : new Float64Array(n);
    this.u = new Float64Array(n);
    this.v = new Float64Array(n);
    this.counter = new Int32Array(n);
    this.latched = new Uint8Array(n);
    this.last = new Int32Array(n);
    this.nextEvent = new Int32Array(n);
    this.stamp = new Int32Array(n);
    this.firstSpike = new Int32Array(n);
    this.awake = new Uint8Array(n);
    this.awakeList = new Int32Array(n);
    this.head = new Int32Array(ticks + 1);
    this.due = new Int32Array(n + 1); // + 1: the calendar walk writes one entry past the last taken
    this.spiked = new Int32Array(n);
    this.all = this.plainCuba || this.b1 ? Int32Array.from({ length: n }, (_, i) => i) : new Int32Array(0);
  }

  /** Allocates the delay ring once the longest incoming latency + delay is known (≥ that + 1 slots). */
  allocateRing(minSlots: number): void {
    let slots = 1;
    while (slots < minSlots) slots *= 2;
    this.slots = slots;
    this.slotMask = slots - 1;
    this.ring = new Float64Array(slots * this.n);
    this.blocks = (this.n + 31) >> 5;
    this.blockFlag = new Uint8Array(slots * this.blocks);
    this.slotFlag = new Uint8Array(slots);
    this.arrived = new Int32Array(this.n);
  }

  /** State before tick 0: initial values, as if after a tick −1 (runCycle then seeds the calendar and awake list). */
  reset(): void {
    this.u.set(this.uInit);
    this.v.set(this.vInit);
    this.counter.fill(0);
    this.latched.fill(0);
    this.last.fill(-1);
    this.nextEvent.fill(-1);
    this.stamp.fill(-1);
    this.firstSpike.fill(-1);
    this.spikes = 0;
    this.nSpiked = 0;
    this.stale = false;
    this.awake.fill(0);
    this.awakeCount = 0;
    this.head.fill(-1);
    this.poolLen = 0;
    this.ring.fill(0);
    this.blockFlag.fill(0);
    this.slotFlag.fill(0);
  }

  /** The calendar and awake list before tick 0 (they depend only on the program), once computed. */
  private start: { nextEvent: Int32Array; head: Int32Array; pool: Int32Array; next: Int32Array; awakeList: Int32Array } | null = null;

  saveStart(): void {
    const len = this.poolLen;
    this.start = {
      nextEvent: this.nextEvent.slice(), head: this.head.slice(), pool: this.poolNeuron.slice(0, len), next: this.poolNext.slice(0, len),
      awakeList: this.awakeList.slice(0, this.awakeCount),
    };
  }

  /** After reset: the saved start, if any (false: compute it). */
  restoreStart(): boolean {
    const st = this.start;
    if (!st) return false;
    this.nextEvent.set(st.nextEvent);
    this.head.set(st.head);
    this.reserve(st.pool.length);
    this.poolNeuron.set(st.pool);
    this.poolNext.set(st.next);
    this.poolLen = st.pool.length;
    this.awakeList.set(st.awakeList);
    this.awakeCount = st.awakeList.length;
    for (let k = 0; k < this.awakeCount; k++) this.awake[st.awakeList[k]!] = 1;
    return true;
  }

  /** Makes room for `more` calendar entries. */
  reserve(more: number): void {
    if (this.poolLen + more <= this.poolNeuron.length) return;
    let size = this.poolNeuron.length * 2;
    while (size < this.poolLen + more) size *= 2;
    const grow = (a: Int32Array) => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.poolNeuron = grow(this.poolNeuron);
    this.poolNext = grow(this.poolNext);
  }

  /** Puts neuron i's next event at tick t (a previous pending entry becomes stale). */
  schedule(i: number, t: number): void {
    if (this.nextEvent[i] === t) return; // that entry is still pending
    this.nextEvent[i] = t;
    if (this.poolLen === this.poolNeuron.length) this.reserve(1);
    const k = this.poolLen++;
    this.poolNeuron[k] = i;
    this.poolNext[k] = this.head[t]!;
    this.head[t] = k;
  }

  /** Adds a contribution arriving at `tick`. */
  deliver(i: number, tick: number, c: number): void {
    const s = tick & this.slotMask;
    this.ring[s * this.n + i] += c;
    this.blockFlag[s * this.blocks + (i >> 5)] = 1;
    this.slotFlag[s] = 1;
  }

  /** Anything to do at tick t? */
  busy(t: number): boolean {
    return this.awakeCount > 0 || this.slotFlag[t & this.slotMask] === 1 || this.head[t]! >= 0 || this.stale;
  }
}

/** A network prepared for repeated runs: synapses as projections, sources resolved, buffers allocated. */
export interface CycleProgram {
  net: HwNetwork;
  arith: CycleArithmetic;
  populations: HwPopulation[];
  index: Map<string, number>;
  /** What the engine routes a spike with: outgoing projections per population index (./projections.ts). */
  projections: Projection[][];
  /** Longest latency + delay into each population (ring size − 1). */
  maxArrival: number[];
  /** Compartment state per population index (null for sources); reused by every run. */
  groups: (Compartments | null)[];
  /** Clock spikes by tick, CSR: (population, neuron) pairs at [clockOffsets[t], clockOffsets[t+1]). */
  clockOffsets: Int32Array;
  clockPop: Int32Array;
  clockNeuron: Int32Array;
  /** The SIMD delivery's kernels, whose memory holds the rings and the SIMD projections' operands; null: JS only. */
  kernels: CycleKernels | null;
  /** Dense ticks for plain cuba and b1 populations (runCycle; false: every update sparse, the reference they are tested against). */
  dense: boolean;
}

export interface CycleCompileOptions {
  /** Route every group through its CSR instead of conv/dense projections (the reference the fast forms are tested against). */
  csrOnly?: boolean;
  /** Deliver conv and dense spikes with the WebAssembly SIMD kernels when available (default; ./simd-layout.ts). */
  simd?: boolean;
  /** Step a plain cuba or b1 population's neurons all at once on ticks where many of them get input (default true). */
  dense?: boolean;
}

export function compileCycle(net: HwNetwork, target: Target, options: CycleCompileOptions = {}): CycleProgram {
  const unsupported = unsupportedArithmetic(target, "simulator");
  if (unsupported) throw new InputError(`${target.file}: the cycle simulator cannot run ${target.name}: ${unsupported}`, "simulate on a target with Loihi's neuron arithmetic");
  const arith = arithmeticOf(target);
  const pops = new Map(net.populations.map((p) => [p.id, p]));
  if (pops.size !== net.populations.length) throw new InputError("HW IR has two populations with the same id", "re-run the lowering");
  const index = new Map(net.populations.map((p, i) => [p.id, i]));
  for (const p of net.populations) {
    if (p.kind === "compartments" && !target.neuron.models.includes(p.neuron))
      throw new InputError(
        `population '${p.id}' needs a ${p.neuron} neuron, which ${target.name} cannot run (it has: ${target.neuron.models.join(", ")})`,
        p.neuron === "two-phase-b1" ? "compile with the alpha model, or for a programmable target such as loihi2" : "choose another target",
      );
  }
  const synArith = { weightShift: target.synapse.weightShift, perSynapseClip: target.synapse.perSynapseClip, maxDelay: target.synapse.delay?.max ?? 0 };
  const maxArrival = net.populations.map(() => arith.latency);
  // CSR per group (validated; then merged into projections and dropped: a program keeps only the projections), except
  // for conv groups and dense groups that become dense rows: those are summarized from their weights (convSummary,
  // denseSummary) and never exist as synapse lists.
  const compiled = new Map<number, CompiledSynapses>();
  const csr = (a: number): CompiledSynapses => {
    let c = compiled.get(a);
    if (!c) compiled.set(a, (c = compileSynapses(net.synapses[a]!, pops, synArith)));
    return c;
  };
  const summaries = net.synapses.map((g, a) => {
    const s =
      options.csrOnly ? summaryOf(csr(a), populationSize(pops.get(g.source)!))
      : g.kind === "conv" ? convSummary(g, pops, synArith)
      : g.kind === "dense" && uniformDelay(g) !== null ? denseSummary(g, pops, synArith)
      : summaryOf(csr(a), populationSize(pops.get(g.source)!));
    const ti = index.get(g.target)!;
    maxArrival[ti] = Math.max(maxArrival[ti]!, arith.latency + s.maxDelay);
    return s;
  });
  const projections: Projection[][] = net.populations.map(() => []);
  for (const p of buildProjections(net.synapses, summaries, csr, pops, index, synArith, !options.csrOnly)) projections[p.source]!.push(p);
  for (const r of net.readouts) {
    const p = pops.get(r.population);
    if (!p || p.kind !== "compartments") throw new InputError(`HW IR readout of '${r.population}': no such compartment population`, "re-run the lowering");
  }
  const groups = net.populations.map((p, i) => (p.kind === "compartments" ? new Compartments(p, i, arith, net.ticks) : null));
  groups.forEach((g, i) => g?.allocateRing(maxArrival[i]! + 1));
  const kernels = options.simd === false ? null : layoutCycleMemory(groups.filter((g): g is Compartments => g !== null), projections.flat());
  // Clock schedules are fixed: bucket them by tick once.
  const T = net.ticks;
  const clockOffsets = new Int32Array(T + 1);
  const entries: [number, number, number][] = [];
  net.populations.forEach((p, pi) => {
    if (p.kind !== "source" || !p.schedule) return;
    const { offsets, ticks } = p.schedule;
    for (let i = 0; i < offsets.length - 1; i++) for (let k = offsets[i]!; k < offsets[i + 1]!; k++) if (ticks[k]! < T && ticks[k]! >= 0) entries.push([ticks[k]!, pi, i]);
  });
  entries.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  for (const [t] of entries) clockOffsets[t + 1]!++;
  for (let t = 0; t < T; t++) clockOffsets[t + 1]! += clockOffsets[t]!;
  return {
    net, arith, populations: net.populations, index, projections, maxArrival, groups, clockOffsets,
    clockPop: Int32Array.from(entries.map((e) => e[1])), clockNeuron: Int32Array.from(entries.map((e) => e[2])), kernels,
    dense: options.dense !== false,
  };
}

/** Input spikes bucketed by tick (CSR over ticks), validated. */
function bucketInputs(prog: CycleProgram, inputs: HwInputSpikes[]): { offsets: Int32Array; pop: Int32Array; neuron: Int32Array } {
  const T = prog.net.ticks;
  const offsets = new Int32Array(T + 1);
  let total = 0;
  const resolved = inputs.map((inp) => {
    const pi = prog.index.get(inp.population);
    const p = pi === undefined ? undefined : prog.populations[pi];
    if (!p || p.kind !== "source" || p.role !== "input")
      throw new InputError(`input spikes for '${inp.population}', which is not an input population of the HW IR`, "name an input population");
    const n = populationSize(p);
    for (let k = 0; k < inp.neuron.length; k++) {
      const i = inp.neuron[k]!;
      const t = inp.tick[k]!;
      if (i < 0 || i >= n || t < 0 || !Number.isInteger(t)) throw new InputError(`input spike ${k} of '${inp.population}' (neuron ${i}, tick ${t}) is out of range`, "check the encoding");
      if (t < T) {
        offsets[t + 1]!++;
        total++;
      }
    }
    return pi!;
  });
  for (let t = 0; t < T; t++) offsets[t + 1]! += offsets[t]!;
  const fill = offsets.slice(0, T);
  const pop = new Int32Array(total);
  const neuron = new Int32Array(total);
  inputs.forEach((inp, j) => {
    for (let k = 0; k < inp.neuron.length; k++) {
      const t = inp.tick[k]!;
      if (t >= T) continue;
      const at = fill[t]!++;
      pop[at] = resolved[j]!;
      neuron[at] = inp.neuron[k]!;
    }
  });
  return { offsets, pop, neuron };
}

/** Runs one sample from reset: ticks 0 .. net.ticks − 1. Reuses the program's buffers (not reentrant). */
export function runCycle(prog: CycleProgram, inputs: HwInputSpikes[], options: CycleOptions = {}): CycleResult {
  const { net, arith, groups } = prog;
  // int32 (`| 0`): tick arithmetic from a float64 value would run in float64 (see deliverConv in ./projections.ts)
  const T = net.ticks | 0;
  const L = arith.latency | 0;
  for (const g of groups) g?.reset();
  const comps = groups.filter((g): g is Compartments => g !== null);
  const input = bucketInputs(prog, inputs);
  const overflow = { q: 0, u: 0, vmax: 0, vmin: 0 };
  // Every input and clock spike before T is routed: their count is the CSR totals.
  const stats = { synapticEvents: 0, neuronUpdates: 0, jumps: 0, ticksSimulated: 0, ticksSkipped: 0, sourceSpikes: prog.clockOffsets[T]! + input.offsets[T]! };
  const raster = options.raster ? new Map<string, { tick: number[]; neuron: number[] }>() : null;
  const readoutsAt = new Map<number, number[]>();
  net.readouts.forEach((r, k) => readoutsAt.set(r.tick, [...(readoutsAt.get(r.tick) ?? []), k]));
  const readouts: CycleResult["readouts"] = [];
  const traced = options.trace === undefined ? null : groups[prog.index.get(options.trace) ?? -1] ?? null;
  if (options.trace !== undefined && !traced) throw new InputError(`cannot trace '${options.trace}': not a compartment population`, "name a compartment population");
  const trace: CycleTrace | undefined = traced ? { population: traced.pop.id, u: [], v: [], spike: [] } : undefined;
  const uHalf = 2 ** (arith.uBits - 1);
  const qHalf = arith.qBits === null ? Infinity : 2 ** (arith.qBits - 1);
  const unity = arith.decayUnity;
  const decay = arith.decayTowardZero ? decayTowardZero : decayFloor;
  const { biasIntoU, compareGe } = arith;
  const ramp: RampResult = { v: 0, clipsHigh: 0, clipsLow: 0 };

  const { projections, kernels } = prog;
  /** Delivers neuron `neuron` of population `pop`'s spike at tick t through every outgoing projection. */
  const route = (pop: number, neuron: number, t: number): void => {
    const outs = projections[pop]!;
    for (let pi = 0; pi < outs.length; pi++) {
      const p = outs[pi]!;
      const dst = groups[p.target]!;
      const csr = p.csr;
      if (csr !== null && csr.delays !== null) {
        const { offsets, post, contribution, delays } = csr;
        for (let k = offsets[neuron]!; k < offsets[neuron + 1]!; k++) {
          const arrival = t + L + delays[k]!;
          stats.synapticEvents++;
          if (arrival < T) dst.deliver(post[k]!, arrival, contribution[k]!);
        }
        continue;
      }
      const events = p.events[neuron]!;
      const arrival = t + L + p.delay;
      // An event that lands after the sample's last tick still happens on the chip (the sample period waits for it):
      // counted, not delivered.
      stats.synapticEvents += events;
      if (events === 0 || arrival >= T) continue;
      const s = arrival & dst.slotMask;
      if (p.kind === CSR) deliverCsr(p, dst, neuron, s);
      else if (p.kind === CONV) deliverConv(p, dst, neuron, s, kernels);
      else deliverDense(p, dst, neuron, s, kernels);
    }
  };
  /**
   * route() for the spikes of `list[0 .. count)` of one population at tick t, projection by projection: the
   * projection's set-up (target, slot, arrays) is paid once per tick instead of once per spike, and a CSR's
   * deliveries run in one loop. The ring holds exact integer sums, so this order of additions changes nothing.
   */
  const routeAll = (pop: number, list: Int32Array, count: number, t: number): void => {
    const outs = projections[pop]!;
    for (let pi = 0; pi < outs.length; pi++) {
      const p = outs[pi]!;
      const csr = p.csr;
      if (csr !== null && csr.delays !== null) {
        for (let k = 0; k < count; k++) route1(p, list[k]!, t);
        continue;
      }
      const arrival = t + L + p.delay;
      const { events } = p;
      let n = 0;
      for (let k = 0; k < count; k++) n += events[list[k]!]!;
      stats.synapticEvents += n;
      if (n === 0 || arrival >= T) continue;
      const dst = groups[p.target]!;
      const s = arrival & dst.slotMask;
      if (p.kind === CSR) {
        const base = (s * dst.n) | 0;
        const blockBase = (s * dst.blocks) | 0;
        const { ring, blockFlag } = dst;
        dst.slotFlag[s] = 1;
        const { offsets, post, contribution } = csr!;
        for (let k = 0; k < count; k++) {
          const j = list[k]!;
          for (let e = offsets[j]!; e < offsets[j + 1]!; e++) {
            const i = post[e]!;
            ring[base + i] += contribution[e]!;
            blockFlag[blockBase + (i >> 5)] = 1;
          }
        }
      } else if (p.kind === CONV) {
        for (let k = 0; k < count; k++) if (events[list[k]!] !== 0) deliverConv(p, dst, list[k]!, s, kernels);
      } else for (let k = 0; k < count; k++) if (events[list[k]!] !== 0) deliverDense(p, dst, list[k]!, s, kernels);
    }
  };
  /** One spike of source neuron `neuron` through projection p (per-synapse delays: synapse by synapse). */
  const route1 = (p: Projection, neuron: number, t: number): void => {
    const dst = groups[p.target]!;
    const { offsets, post, contribution, delays } = p.csr!;
    for (let k = offsets[neuron]!; k < offsets[neuron + 1]!; k++) {
      const arrival = t + L + delays![k]!;
      stats.synapticEvents++;
      if (arrival < T) dst.deliver(post[k]!, arrival, contribution[k]!);
    }
  };
  const wrapU = (x: number): number => {
    if (x >= -uHalf && x < uHalf) return x;
    overflow.u++;
    if (!arith.uWrap) return x < 0 ? -uHalf : uHalf - 1;
    return x - Math.floor((x + uHalf) / (2 * uHalf)) * 2 * uHalf;
  };
  const limitQ = (x: number): number => {
    if (x >= -qHalf && x < qHalf) return x;
    overflow.q++;
    if (!arith.qWrap) return x < 0 ? -qHalf : qHalf - 1;
    return x - Math.floor((x + qHalf) / (2 * qHalf)) * 2 * qHalf;
  };
  const countClips = (r: RampResult): void => {
    overflow.vmax += r.clipsHigh;
    overflow.vmin += r.clipsLow;
  };

  /** Jumps a linear neuron from its last update to the end of tick t, with no input and no spike in between. */
  const advance = (c: Compartments, i: number, t: number): void => {
    const from = c.last[i]!;
    if (t <= from) return;
    c.last[i] = t;
    stats.jumps++;
    const vmin = c.vmin[i]!;
    const vmax = c.vmax[i]!;
    if (!c.b1) {
      const s = c.u[i]! + c.bias[i]!;
      let k = t - from;
      const cnt = c.counter[i]!;
      if (cnt > 0) {
        // Refractory ticks: v is computed from 0, then forced to 0 (a clip there changes nothing: not counted).
        const r = cnt < k ? cnt : k;
        c.counter[i] = cnt - r;
        k -= r;
      }
      if (k > 0) {
        countClips(rampClip(c.v[i]!, s, k, vmin, vmax, ramp));
        c.v[i] = ramp.v;
      }
      return;
    }
    if (c.latched[i]) return;
    const p2s = c.phase2Start[i]!;
    const p2e = c.phase2End[i]!;
    const k1 = Math.min(t, p2s - 1) - from; // phase-1 ticks: v += u
    if (k1 > 0) {
      countClips(rampClip(c.v[i]!, c.u[i]!, k1, vmin, vmax, ramp));
      c.v[i] = ramp.v;
    }
    const k2 = Math.min(t, p2e) - Math.max(from, p2s - 1); // phase-2 ticks: v += ramp
    if (k2 > 0) {
      countClips(rampClip(c.v[i]!, c.ramp[i]!, k2, vmin, vmax, ramp));
      c.v[i] = ramp.v;
    }
  };

  /** After an update at tick t: the tick of a linear neuron's next spike if no input comes, put in the calendar. */
  const predict = (c: Compartments, i: number, t: number): void => {
    const vth = c.vth[i]!;
    const vmin = c.vmin[i]!;
    const vmax = c.vmax[i]!;
    let at = -1;
    if (!c.b1) {
      const cnt = c.counter[i]!;
      const k = firstCrossing(cnt > 0 ? 0 : c.v[i]!, c.u[i]! + c.bias[i]!, vth, vmin, vmax, compareGe);
      if (k > 0) at = t + cnt + k;
    } else if (!c.latched[i]) {
      const p2s = c.phase2Start[i]!;
      const p2e = c.phase2End[i]!;
      if (t < p2s - 1) {
        // Still integrating: nothing can happen before the firing phase, and more input may come. Wake at its
        // first tick (once), where the update re-predicts with the final u.
        if (c.nextEvent[i] !== p2s && p2s < T) c.schedule(i, p2s);
        return;
      }
      const base = t;
      const v = c.v[i]!;
      if (base < p2e) {
        const k = firstCrossing(v, c.ramp[i]!, vth, vmin, vmax, compareGe);
        if (k > 0 && base + k <= p2e) at = base + k;
      }
    }
    if (at > t && at < T) c.schedule(i, at);
    else c.nextEvent[i] = -1;
  };

  /** The spikes of list[0 .. count) of c at tick t: counted, recorded, routed together (routeAll). */
  const spikesOut = (c: Compartments, list: Int32Array, count: number, t: number): void => {
    if (count === 0) return;
    const { firstSpike } = c;
    c.spikes += count;
    for (let k = 0; k < count; k++) {
      const i = list[k]!;
      if (firstSpike[i] === -1) firstSpike[i] = t;
      if (raster) record(raster, c.pop.id, t, i);
      if (tickSpikes && c === traced) tickSpikes[i] = 1;
    }
    routeAll(c.index, list, count, t);
  };

  /** The exact rule for neuron i at tick t (input q from the ring). Linear neurons are caught up first. */
  const update = (c: Compartments, i: number, t: number, base: number): void => {
    c.stamp[i] = t;
    stats.neuronUpdates++;
    let q = c.ring[base + i]!;
    c.ring[base + i] = 0;
    if (q >= qHalf || q < -qHalf) q = limitQ(q);
    const lazy = c.lazy[i] === 1;
    if (lazy) advance(c, i, t - 1);
    c.last[i] = t;
    const vmin = c.vmin[i]!;
    const vmax = c.vmax[i]!;
    const vth = c.vth[i]!;
    if (!c.b1) {
      // cuba-lif, targets.md §1.4 steps 2–6
      const du = c.decayU[i]!;
      const dv = c.decayV[i]!;
      const bias = c.bias[i]!;
      const u0 = c.u[i]!;
      const v0 = c.v[i]!;
      const cnt0 = c.counter[i]!;
      let un = (du === 0 ? u0 : decay(u0, du, unity)) + q + (biasIntoU ? bias : 0);
      if (un >= uHalf || un < -uHalf) un = wrapU(un);
      let vn = (dv === 0 ? v0 : decay(v0, dv, unity)) + un + (biasIntoU ? 0 : bias);
      let clipped = 0; // +1 at vmax, −1 at vmin
      if (vn > vmax) (vn = vmax), (clipped = 1);
      else if (vn < vmin) (vn = vmin), (clipped = -1);
      let spike = false;
      if (cnt0 > 0) {
        vn = 0;
        c.counter[i]!--;
      } else if (compareGe ? vn >= vth : vn > vth) {
        spike = true;
        vn = 0;
        c.counter[i] = c.refractory[i]!;
      }
      // A clip counts only if v keeps the clipped value (a spike or a refractory tick sets it to 0 anyway).
      if (clipped !== 0 && !spike && cnt0 === 0) clipped > 0 ? overflow.vmax++ : overflow.vmin++;
      c.u[i] = un;
      c.v[i] = vn;
      if (spike) c.spiked[c.nSpiked++] = i;
      if (lazy) predict(c, i, t);
      else if (c.awake[i] === 0) {
        // Stays awake unless the next input-free tick provably changes nothing: at rest, or at a fixed point of
        // the tick rule (this tick had no input and left u, v and the counter as they were, without a spike or
        // a clip, so every following input-free tick computes the same again).
        const rest = un === 0 && bias === 0 && c.counter[i] === 0 && (vn === 0 || dv === 0);
        const fixedPoint = q === 0 && !spike && clipped === 0 && cnt0 === 0 && un === u0 && vn === v0;
        if (!rest && !fixedPoint) {
          c.awake[i] = 1;
          c.awakeList[c.awakeCount++] = i;
        }
      }
      return;
    }
    // two-phase b1: integrate inputs, then ramp and fire once
    if (c.latched[i]) return;
    if (t < c.phase2Start[i]!) {
      const un = wrapU(c.u[i]! + q);
      let vn = c.v[i]! + un;
      if (vn > vmax) (vn = vmax), overflow.vmax++;
      else if (vn < vmin) (vn = vmin), overflow.vmin++;
      c.u[i] = un;
      c.v[i] = vn;
    } else if (t <= c.phase2End[i]!) {
      let vn = c.v[i]! + c.ramp[i]!;
      let clipped = 0;
      if (vn > vmax) (vn = vmax), (clipped = 1);
      else if (vn < vmin) (vn = vmin), (clipped = -1);
      // A clip followed by the spike (v set to 0) changes nothing: counted only without one (see the cuba rule).
      if (clipped !== 0 && !(compareGe ? vn >= vth : vn > vth)) clipped > 0 ? overflow.vmax++ : overflow.vmin++;
      if (compareGe ? vn >= vth : vn > vth) {
        vn = 0;
        c.latched[i] = 1;
        c.v[i] = vn;
        c.spiked[c.nSpiked++] = i;
        c.nextEvent[i] = -1;
        return;
      }
      c.v[i] = vn;
    }
    predict(c, i, t);
  };

  /**
   * The hot path, for populations of non-leaky cuba-lif neurons: `update` + `advance` + `predict` inlined over a
   * list of neurons (those with input at t, or due in the calendar). Same arithmetic, no per-neuron calls.
   */
  const updateLazyCuba = (c: Compartments, list: Int32Array, start: number, end: number, t: number, base: number): void => {
    const { u, v, ring, counter, last, stamp, bias, vth, vmin, vmax, refractory, nextEvent, uniform } = c;
    let updates = 0;
    let jumps = 0;
    let clipHi = 0;
    let clipLo = 0;
    for (let k = start; k < end; k++) {
      const i = list[k]!;
      if (stamp[i] === t) continue;
      stamp[i] = t;
      updates++;
      let q = ring[base + i]!;
      ring[base + i] = 0;
      if (q >= qHalf || q < -qHalf) q = limitQ(q);
      const lo = uniform ? c.vmin0 : vmin[i]!;
      const hi = uniform ? c.vmax0 : vmax[i]!;
      const b = uniform ? 0 : bias[i]!;
      let vi = v[i]!;
      let cnt = counter[i]!;
      // Jump over ticks last+1 .. t−1: no input, no spike (a spike would have been due in the calendar).
      let K = t - 1 - last[i]!;
      if (K > 0) {
        jumps++;
        const s = u[i]! + b;
        if (cnt > 0) {
          // refractory ticks: v forced to 0, a clip there changes nothing (not counted, as in advance)
          const r = cnt < K ? cnt : K;
          cnt -= r;
          K -= r;
        }
        if (K > 0 && s !== 0) {
          // Clipped iff v + K·s leaves [lo, hi] (a product beyond 2^53 is inexact but then far outside); only
          // then is the first clipped tick k1 needed.
          const vk = vi + K * s;
          if (vk > hi) {
            clipHi += K - Math.floor((hi - vi) / s);
            vi = hi;
          } else if (vk < lo) {
            clipLo += K - Math.floor((vi - lo) / -s);
            vi = lo;
          } else vi = vk;
        }
      }
      // Tick t by the exact rule.
      let un = u[i]! + q;
      if (un >= uHalf || un < -uHalf) un = wrapU(un);
      let vn = vi + un + b;
      let clipped = 0;
      if (vn > hi) (vn = hi), (clipped = 1);
      else if (vn < lo) (vn = lo), (clipped = -1);
      const th = uniform ? c.vth0 : vth[i]!;
      let spike = false;
      if (cnt > 0) {
        vn = 0;
        cnt--;
      } else if (compareGe ? vn >= th : vn > th) {
        spike = true;
        vn = 0;
        cnt = uniform ? c.refractory0 : refractory[i]!;
      } else if (clipped > 0) clipHi++; // counted only if v keeps the clipped value (see update)
      else if (clipped < 0) clipLo++;
      u[i] = un;
      v[i] = vn;
      counter[i] = cnt;
      last[i] = t;
      // Next spike without further input (firstCrossing from v after the refractory ticks).
      const s = un + b;
      let at = -1;
      if (s > 0 && (compareGe ? hi >= th : hi > th)) {
        // The crossing is k ticks after the refractory ones; it matters only if k ≤ m (before the last tick):
        // for integers that is x ≤ m·s (≥) or x < m·s (>), tested without a division.
        const x = th - (cnt > 0 ? 0 : vn);
        const m = T - 1 - t - cnt;
        if (m >= 1 && (compareGe ? x <= m * s : x < m * s)) at = t + cnt + (compareGe ? Math.max(1, Math.ceil(x / s)) : Math.floor(x / s) + 1);
      }
      if (at > t && at < T) c.schedule(i, at);
      else nextEvent[i] = -1;
      if (spike) c.spiked[c.nSpiked++] = i;
    }
    stats.neuronUpdates += updates;
    stats.jumps += jumps;
    overflow.vmax += clipHi;
    overflow.vmin += clipLo;
  };

  /**
   * A plain cuba neuron's next spike without further input, from u = un and v = vn after tick t (m = T − 1 − t ticks
   * left), put in the calendar; else none pending (see updateLazyCuba, with no bias and no refractory ticks).
   */
  const planPlainCuba = (c: Compartments, i: number, un: number, vn: number, t: number, m: number, th: number, ge: boolean, reachable: boolean): void => {
    if (un > 0 && reachable) {
      const x = th - vn;
      if (m >= 1 && (ge ? x <= m * un : x < m * un)) {
        c.schedule(i, t + (ge ? Math.max(1, Math.ceil(x / un)) : Math.floor(x / un) + 1));
        return;
      }
    }
    c.nextEvent[i] = -1;
  };

  /** After dense ticks up to t: every neuron of a plain cuba population planned from its state (planPlainCuba). */
  const planAllPlainCuba = (c: Compartments, tick: number): void => {
    const t = tick | 0;
    const { u, v } = c;
    const th = c.vth0;
    const ge = compareGe;
    const reachable = ge ? c.vmax0 >= th : c.vmax0 > th;
    const m = T - 1 - t;
    for (let i = 0; i < c.n; i++) planPlainCuba(c, i, u[i]!, v[i]!, t, m, th, ge, reachable);
  };

  /**
   * `updateLazyCuba` for a plainCuba population: no bias, no refractory ticks (the counter stays 0), one profile.
   * The same arithmetic with those terms dropped, and per-neuron parameters read once per pass.
   */
  const updatePlainCuba = (c: Compartments, list: Int32Array, start: number, end: number, tick: number, slotBase: number, predictNext = true): void => {
    const { u, v, ring, last, stamp, spiked } = c;
    // Locals typed for V8: `| 0` makes the tick and the ring offset int32 (else index arithmetic runs in float64
    // with a conversion check per access); closure constants are loaded once instead of per neuron.
    const t = tick | 0;
    const base = slotBase | 0;
    const qH = qHalf;
    const uH = uHalf;
    const lo = c.vmin0;
    const hi = c.vmax0;
    const th = c.vth0;
    const ge = compareGe;
    const reachable = ge ? hi >= th : hi > th;
    const m = T - 1 - t; // ticks after t
    let nSpiked = c.nSpiked;
    let updates = 0;
    let jumps = 0;
    let clipHi = 0;
    let clipLo = 0;
    for (let k = start; k < end; k++) {
      const i = list[k]!;
      if (stamp[i] === t) continue;
      stamp[i] = t;
      updates++;
      let q = ring[base + i]!;
      ring[base + i] = 0;
      if (q >= qH || q < -qH) q = limitQ(q);
      const u0 = u[i]!;
      let vi = v[i]!;
      // Jump over ticks last+1 .. t−1 with slope u (see updateLazyCuba).
      const K = t - 1 - last[i]!;
      if (K > 0) {
        jumps++;
        const vk = vi + K * u0;
        if (vk > hi) {
          clipHi += K - Math.floor((hi - vi) / u0);
          vi = hi;
        } else if (vk < lo) {
          clipLo += K - Math.floor((vi - lo) / -u0);
          vi = lo;
        } else vi = vk;
      }
      // Tick t by the exact rule.
      let un = u0 + q;
      if (un >= uH || un < -uH) un = wrapU(un);
      let vn = vi + un;
      let clipped = 0;
      if (vn > hi) (vn = hi), (clipped = 1);
      else if (vn < lo) (vn = lo), (clipped = -1);
      if (ge ? vn >= th : vn > th) {
        spiked[nSpiked++] = i;
        vn = 0;
      } else if (clipped > 0) clipHi++; // counted only if v keeps the clipped value (see update)
      else if (clipped < 0) clipLo++;
      u[i] = un;
      v[i] = vn;
      last[i] = t;
      // Next spike without further input (see updateLazyCuba, with no refractory ticks); a dense tick leaves it to
      // the prediction pass that follows the dense ticks (runCycle).
      if (predictNext) planPlainCuba(c, i, un, vn, t, m, th, ge, reachable);
    }
    stats.neuronUpdates += updates;
    stats.jumps += jumps;
    overflow.vmax += clipHi;
    overflow.vmin += clipLo;
    c.nSpiked = nSpiked; // routed once the population's passes at t are done (runCycle)
  };

  // the dense ticks' counters (a view made once: the kernels' memory never grows)
  const denseCounters = kernels !== null && kernels.denseStats >= 0 ? new Float64Array(kernels.memory.buffer, kernels.denseStats, 2) : null;
  /**
   * A dense tick with WebAssembly SIMD (./simd.ts denseTick): the pairs of neurons in the common case there, the others
   * (listed ascending) by the JS pass, so the same updates, counters and spikes in the same order as updatePlainCuba /
   * updateB1 over c.all without predictions. A b1 neuron fires only after integrating (th = +∞ while it does).
   */
  const denseTickSimd = (c: Compartments, t: number, slotBase: number): void => {
    const k = kernels!;
    const at = c.stateAddr!;
    const counters = denseCounters!;
    counters.fill(0);
    const th = c.b1 ? Infinity : c.vth0;
    const nSlow = k.denseTick(
      c.ringAddr + slotBase * 8, at.u, at.v, at.vmin, at.vmax, at.last, at.stamp, at.phase2Start, at.latched, c.n, t, qHalf, uHalf, th,
      compareGe ? 1 : 0, at.slow, k.denseStats,
    );
    stats.neuronUpdates += counters[0]!;
    stats.jumps += counters[1]!;
    if (c.b1) updateB1(c, c.slow, 0, nSlow, t, slotBase, false);
    else updatePlainCuba(c, c.slow, 0, nSlow, t, slotBase, false);
  };

  /**
   * The hot path for two-phase b1 populations: `update` + `advance` + `predict` inlined over a list of neurons, with
   * rampClip and firstCrossing (./linear.ts) written out; spikes are routed after the population's passes.
   */
  const updateB1 = (c: Compartments, list: Int32Array, start: number, end: number, tick: number, slotBase: number, predictNext = true): void => {
    const { u, v, ring, last, stamp, latched, vth, vmin, vmax, phase2Start, phase2End, nextEvent, uniform, spiked } = c;
    const t = tick | 0; // int32 (see updatePlainCuba)
    const base = slotBase | 0;
    const qH = qHalf;
    const uH = uHalf;
    const ge = compareGe;
    let nSpiked = c.nSpiked;
    let updates = 0;
    let jumps = 0;
    let clipHi = 0;
    let clipLo = 0;
    for (let k = start; k < end; k++) {
      const i = list[k]!;
      if (stamp[i] === t) continue;
      stamp[i] = t;
      updates++;
      let q = ring[base + i]!;
      ring[base + i] = 0;
      if (q >= qH || q < -qH) q = limitQ(q);
      const from = last[i]!;
      last[i] = t;
      if (latched[i]) continue; // fired: frozen, inputs ignored
      const lo = uniform ? c.vmin0 : vmin[i]!;
      const hi = uniform ? c.vmax0 : vmax[i]!;
      const th = uniform ? c.vth0 : vth[i]!;
      const p2s = phase2Start[i]!;
      const p2e = phase2End[i]!;
      const rmp = c.ramp[i]!;
      let vi = v[i]!;
      // Jump over ticks from+1 .. t−1 (no input, no spike): phase-1 ticks add u, phase-2 ticks add the ramp; each a
      // clipped ramp (clipped iff v + k·s leaves [lo, hi], then from the first clipped tick on, as in rampClip).
      if (t - 1 > from) {
        jumps++;
        const k1 = Math.min(t - 1, p2s - 1) - from;
        if (k1 > 0) {
          const s1 = u[i]!;
          const vk = vi + k1 * s1;
          if (vk > hi) (clipHi += k1 - Math.floor((hi - vi) / s1)), (vi = hi);
          else if (vk < lo) (clipLo += k1 - Math.floor((vi - lo) / -s1)), (vi = lo);
          else vi = vk;
        }
        const k2 = Math.min(t - 1, p2e) - Math.max(from, p2s - 1);
        if (k2 > 0) {
          const vk = vi + k2 * rmp;
          if (vk > hi) (clipHi += k2 - Math.floor((hi - vi) / rmp)), (vi = hi);
          else if (vk < lo) (clipLo += k2 - Math.floor((vi - lo) / -rmp)), (vi = lo);
          else vi = vk;
        }
      }
      // Tick t by the exact rule.
      let spike = false;
      if (t < p2s) {
        let un = u[i]! + q;
        if (un >= uH || un < -uH) un = wrapU(un);
        u[i] = un;
        vi += un;
        if (vi > hi) (vi = hi), clipHi++;
        else if (vi < lo) (vi = lo), clipLo++;
      } else if (t <= p2e) {
        vi += rmp;
        let clipped = 0;
        if (vi > hi) (vi = hi), (clipped = 1);
        else if (vi < lo) (vi = lo), (clipped = -1);
        if (ge ? vi >= th : vi > th) {
          spike = true;
          vi = 0;
          latched[i] = 1;
        } else if (clipped > 0) clipHi++; // counted only if v keeps the clipped value (see update)
        else if (clipped < 0) clipLo++;
      }
      v[i] = vi;
      // Next event: the firing phase's first tick while integrating, else the ramp's crossing within the phase
      // (firstCrossing: the first tick if it passes, else none for a falling ramp or an unreachable threshold).
      if (spike) {
        nextEvent[i] = -1;
        spiked[nSpiked++] = i;
      } else if (!predictNext) {
        // a dense tick: planned after the dense ticks (runCycle)
      } else if (t < p2s - 1) {
        if (nextEvent[i] !== p2s && p2s < T) c.schedule(i, p2s);
      } else {
        let at = -1;
        if (t < p2e) {
          let v1 = vi + rmp;
          v1 = v1 > hi ? hi : v1 < lo ? lo : v1;
          let kk = -1;
          if (ge ? v1 >= th : v1 > th) kk = 1;
          else if (rmp > 0 && (ge ? hi >= th : hi > th)) kk = ge ? Math.ceil((th - vi) / rmp) : Math.floor((th - vi) / rmp) + 1;
          if (kk > 0 && t + kk <= p2e) at = t + kk;
        }
        if (at > t && at < T) c.schedule(i, at);
        else nextEvent[i] = -1;
      }
    }
    stats.neuronUpdates += updates;
    stats.jumps += jumps;
    overflow.vmax += clipHi;
    overflow.vmin += clipLo;
    c.nSpiked = nSpiked;
  };

  let tickSpikes: Uint8Array | null = null;
  // Start from the initial state as if it were the state after tick −1: linear neurons get their first predicted
  // event (no update at tick 0 unless one falls there); leaky neurons that are not at rest start awake; a v outside
  // its clip range is stepped at tick 0 (the closed forms start inside it). The same for every run of the program:
  // computed in the first, then restored (a prediction per neuron otherwise, ~8k per lenet5 sample).
  for (const c of comps) {
    if (c.restoreStart()) continue;
    for (let i = 0; i < c.n; i++) {
      const v = c.v[i]!;
      const inside = v >= c.vmin[i]! && v <= c.vmax[i]!;
      if (c.lazy[i]) {
        if (!inside) c.schedule(i, 0);
        else predict(c, i, -1);
      } else if (!(inside && c.u[i] === 0 && c.bias[i] === 0 && (v === 0 || c.decayV[i] === 0) && (compareGe ? v < c.vth[i]! : v <= c.vth[i]!))) {
        c.awake[i] = 1;
        c.awakeList[c.awakeCount++] = i;
      }
    }
    c.saveStart();
  }
  const { clockOffsets, clockPop, clockNeuron } = prog;
  for (let t = 0; t < T; t++) {
    const c0 = clockOffsets[t]!;
    const c1 = clockOffsets[t + 1]!;
    const i0 = input.offsets[t]!;
    const i1 = input.offsets[t + 1]!;
    const readNow = readoutsAt.get(t);
    let busy = t === 0 || c0 < c1 || i0 < i1 || readNow !== undefined || traced !== null;
    for (let k = 0; k < comps.length && !busy; k++) busy = comps[k]!.busy(t);
    if (!busy) {
      stats.ticksSkipped++;
      continue;
    }
    stats.ticksSimulated++;
    for (let k = c0; k < c1; k++) {
      route(clockPop[k]!, clockNeuron[k]!, t);
      if (raster) record(raster, prog.populations[clockPop[k]!]!.id, t, clockNeuron[k]!);
    }
    for (let k = i0; k < i1; k++) {
      route(input.pop[k]!, input.neuron[k]!, t);
      if (raster) record(raster, prog.populations[input.pop[k]!]!.id, t, input.neuron[k]!);
    }
    if (traced) tickSpikes = new Uint8Array(traced.n);
    for (let ci = 0; ci < comps.length; ci++) {
      const c = comps[ci]!;
      const s = t & c.slotMask;
      const base = (s * c.n) | 0; // int32 (see deliverConv)
      const { stamp, ring, blockFlag, arrived } = c;
      {
        // Leaky neurons awake from earlier ticks (the list is rebuilt as they are updated).
        const awakeNow = c.awakeCount;
        if (awakeNow > 0) {
          c.awakeCount = 0;
          for (let k = 0; k < awakeNow; k++) {
            const i = c.awakeList[k]!;
            c.awake[i] = 0;
            if (stamp[i] !== t) update(c, i, t, base);
          }
        }
        // Neurons with nonzero input now, from the flagged blocks of this slot.
        let count = 0;
        if (c.slotFlag[s] === 1) {
          c.slotFlag[s] = 0;
          const blockBase = (s * c.blocks) | 0;
          // the same scan in WebAssembly SIMD (./simd.ts) when the ring lives in the kernels' memory
          if (kernels !== null && c.flagAddr >= 0) count = kernels.scan(c.ringAddr + base * 8, c.flagAddr + blockBase, c.blocks, c.n, c.arrivedAddr);
          else for (let b = 0; b < c.blocks; b++) {
            if (blockFlag[blockBase + b] === 0) continue;
            blockFlag[blockBase + b] = 0;
            const end = Math.min(c.n, (b + 1) << 5);
            for (let i = b << 5; i < end; i++) {
              // without a branch (Number(flag) compiles to a setcc; a branch here mispredicts about every other entry)
              arrived[count] = i;
              count += Number(ring[base + i] !== 0);
            }
          }
        }
        // A plain cuba or b1 population with input for many of its neurons steps them all (a dense tick: one pass in
        // order, without predicting next spikes); the first sparse tick after dense ones predicts them all first
        // (each from its state at t − 1, which every neuron has), so that the calendar holds what sparse ticks would
        // have put there. The same updates by the same rule, so the same results; fewer per-neuron branches.
        const dense = prog.dense && (c.plainCuba || c.b1) && count * DENSE_SHARE >= c.n;
        if (c.stale && !dense) {
          if (c.b1) for (let i = 0; i < c.n; i++) predict(c, i, t - 1);
          else planAllPlainCuba(c, t - 1);
          c.stale = false;
        }
        // Linear neurons whose predicted spike (or b1 threshold crossing) falls now.
        const { due, nextEvent } = c;
        let nDue = 0;
        const { poolNeuron, poolNext } = c;
        for (let e = c.head[t]!; e >= 0; e = poolNext[e]!) {
          const i = poolNeuron[e]!;
          // Without a branch: pending now (else stale, rescheduled since), then taken (−1: later entries for i at t
          // are duplicates).
          const pending = nextEvent[i]!;
          const hit = Number(pending === t);
          due[nDue] = i;
          nDue += hit;
          nextEvent[i] = pending - hit * (pending + 1);
        }
        if (dense) {
          if (kernels !== null && c.stateAddr !== null) denseTickSimd(c, t, base);
          else if (c.b1) updateB1(c, c.all, 0, c.n, t, base, false);
          else updatePlainCuba(c, c.all, 0, c.n, t, base, false);
          c.stale = true;
        } else if (c.plainCuba) {
          updatePlainCuba(c, arrived, 0, count, t, base);
          updatePlainCuba(c, due, 0, nDue, t, base);
        } else if (c.allLazyCuba) {
          updateLazyCuba(c, arrived, 0, count, t, base);
          updateLazyCuba(c, due, 0, nDue, t, base);
        } else if (c.b1) {
          updateB1(c, arrived, 0, count, t, base);
          updateB1(c, due, 0, nDue, t, base);
        } else {
          for (let k = 0; k < count; k++) if (stamp[arrived[k]!] !== t) update(c, arrived[k]!, t, base);
          for (let k = 0; k < nDue; k++) if (stamp[due[k]!] !== t) update(c, due[k]!, t, base);
        }
        // This tick's spikes of the population, routed together; latency ≥ 1, so none arrives at t.
        if (c.nSpiked > 0) {
          spikesOut(c, c.spiked, c.nSpiked, t);
          c.nSpiked = 0;
        }
      }
    }
    if (trace && traced) {
      for (let i = 0; i < traced.n; i++) if (traced.lazy[i]) advance(traced, i, t);
      trace.u.push(Int32Array.from(traced.u));
      trace.v.push(Int32Array.from(traced.v));
      trace.spike.push(tickSpikes!);
    }
    for (const k of readNow ?? []) {
      const r = net.readouts[k]!;
      const c = groups[prog.index.get(r.population)!]!;
      for (let i = 0; i < c.n; i++) if (c.lazy[i]) advance(c, i, t);
      const vr = Int32Array.from(c.v);
      readouts.push({ population: r.population, tick: t, v: vr, logits: decodeReadout(r, vr) });
    }
  }

  const result: CycleResult = {
    readouts,
    firstSpike: Object.fromEntries(comps.map((c) => [c.pop.id, Int32Array.from(c.firstSpike)])),
    spikeCount: Object.fromEntries(comps.map((c) => [c.pop.id, c.spikes])),
    overflow,
    stats,
  };
  if (raster) result.raster = Object.fromEntries([...raster].map(([id, r]) => [id, { tick: Int32Array.from(r.tick), neuron: Int32Array.from(r.neuron) }]));
  if (trace) result.trace = trace;
  return result;
}

function record(raster: Map<string, { tick: number[]; neuron: number[] }>, id: string, t: number, i: number): void {
  let r = raster.get(id);
  if (!r) raster.set(id, (r = { tick: [], neuron: [] }));
  r.tick.push(t);
  r.neuron.push(i);
}

/** Compiles and runs in one call (for one-off runs and tests). */
export function simulateCycle(net: HwNetwork, target: Target, inputs: HwInputSpikes[] = [], options: CycleOptions = {}): CycleResult {
  return runCycle(compileCycle(net, target), inputs, options);
}
