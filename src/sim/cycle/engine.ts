/**
 * Bit-accurate, tick-by-tick simulation of an HW IR network with a target's integer arithmetic
 * (the update rules are stated in src/hw/network.ts; Loihi's in shared/spec/targets.md §1.4).
 *
 * Fast where the arithmetic allows it: only "awake" compartments are updated. A cuba-lif compartment sleeps
 * when the next tick cannot change it without input (u = 0, no bias, not refractory, and v = 0 or no v decay);
 * a b1 compartment sleeps in its input phase while u = 0, after it fired, and after its firing phase.
 * Arriving input, and the start of a b1 firing phase, wake it. Ticks at which nothing is awake and nothing
 * arrives are skipped. Spikes are routed when emitted, into per-population delay rings (one slot per tick of
 * latency + delay), so the order in which compartments are visited never changes a result.
 */
import { InputError } from "../../util/errors.js";
import type { Target } from "../../hw/target/target.js";
import type { B1Profile, CubaProfile, HwCompartmentPopulation, HwInputSpikes, HwNetwork, HwPopulation } from "../../hw/network.js";
import { populationSize } from "../../hw/network.js";
import { decayFloor, decayTowardZero } from "./arithmetic.js";
import { compileSynapses } from "./synapses.js";
import type { CompiledSynapses } from "./synapses.js";

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

export interface CycleOptions {
  /** Record u, v and spikes of every neuron of this population at every tick (disables tick skipping). */
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
  raster?: Record<string, { tick: Int32Array; neuron: Int32Array }>;
  trace?: CycleTrace;
  /** Register events: wraps of q and u, clips of v (a proven-in-range network has none). */
  overflow: { q: number; u: number; vmax: number; vmin: number };
  stats: { synapticEvents: number; neuronUpdates: number; ticksSimulated: number; ticksSkipped: number };
}

// -------------------------------------------------------------------------------------------------------------

/** Per-neuron parameters and state of one compartment population. */
class Compartments {
  readonly n: number;
  readonly b1: boolean;
  // parameters per neuron
  readonly decayU: Int32Array;
  readonly decayV: Int32Array;
  readonly vth: Float64Array;
  readonly vmin: Float64Array;
  readonly vmax: Float64Array;
  readonly refractory: Int32Array;
  readonly bias: Float64Array;
  readonly phase2Start: Int32Array;
  readonly phase2End: Int32Array;
  readonly ramp: Float64Array;
  // state
  readonly u: Int32Array;
  readonly v: Int32Array;
  readonly counter: Int32Array;
  readonly latched: Uint8Array;
  readonly firstSpike: Int32Array;
  spikes = 0;
  // activity
  readonly awake: Uint8Array;
  readonly awakeList: Int32Array;
  awakeCount = 0;
  // delay ring: slot s holds the input that arrives at ticks ≡ s (mod slots)
  slots = 1;
  ring = new Float64Array(0);
  touched = new Int32Array(0);
  touchedFlag = new Uint8Array(0);
  touchedCount = new Int32Array(0);
  pending = 0;
  /** tick → neurons a b1 firing phase wakes at that tick. */
  readonly wakeAt = new Map<number, Int32Array>();

  constructor(
    readonly pop: HwCompartmentPopulation,
    readonly index: number,
    arith: CycleArithmetic,
  ) {
    const n = (this.n = populationSize(pop));
    this.b1 = pop.neuron === "two-phase-b1";
    const fail = (what: string): never => {
      throw new InputError(`HW IR population '${pop.id}': ${what}`, "the HW IR is inconsistent; re-run the lowering");
    };
    if (pop.profiles.length === 0) fail("has no profiles");
    for (const p of pop.profiles) if (p.neuron !== pop.neuron) fail(`profile of kind ${p.neuron} in a ${pop.neuron} population`);
    const lengthOk = (a: ArrayLike<number> | null | number) => a === null || typeof a === "number" || a.length === n;
    if (!lengthOk(pop.profileOf) || !lengthOk(pop.biasMant) || !lengthOk(pop.biasExp) || !lengthOk(pop.uInit) || !lengthOk(pop.vInit))
      fail(`per-neuron arrays must have ${n} entries`);
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
    const wake = new Map<number, number[]>();
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
      } else {
        const b = p as B1Profile;
        this.phase2Start[i] = b.phase2Start;
        this.phase2End[i] = b.phase2End;
        this.ramp[i] = b.ramp;
        const list = wake.get(b.phase2Start) ?? [];
        list.push(i);
        wake.set(b.phase2Start, list);
      }
      const exp = typeof pop.biasExp === "number" ? pop.biasExp : pop.biasExp[i]!;
      this.bias[i] = pop.biasMant ? pop.biasMant[i]! * 2 ** exp : 0;
    }
    for (const [t, list] of wake) this.wakeAt.set(t, Int32Array.from(list));
    this.u = pop.uInit ? Int32Array.from(pop.uInit) : new Int32Array(n);
    this.v = pop.vInit ? Int32Array.from(pop.vInit) : new Int32Array(n);
    this.counter = new Int32Array(n);
    this.latched = new Uint8Array(n);
    this.firstSpike = new Int32Array(n).fill(-1);
    // Everyone is awake at tick 0; the first update puts the quiescent ones to sleep.
    this.awake = new Uint8Array(n).fill(1);
    this.awakeList = new Int32Array(n);
    for (let i = 0; i < n; i++) this.awakeList[i] = i;
    this.awakeCount = n;
  }

  /** Allocates the delay ring once the longest incoming latency + delay is known. */
  allocateRing(slots: number): void {
    this.slots = slots;
    this.ring = new Float64Array(slots * this.n);
    this.touched = new Int32Array(slots * this.n);
    this.touchedFlag = new Uint8Array(slots * this.n);
    this.touchedCount = new Int32Array(slots);
  }

  /** Adds a contribution arriving at `tick`. */
  deliver(i: number, tick: number, c: number): void {
    const s = tick % this.slots;
    const k = s * this.n + i;
    this.ring[k] += c;
    if (this.touchedFlag[k] === 0) {
      this.touchedFlag[k] = 1;
      this.touched[s * this.n + this.touchedCount[s]!++] = i;
      this.pending++;
    }
  }

  /** Earliest tick > t with input waiting, or Infinity. */
  nextArrival(t: number): number {
    if (this.pending === 0) return Infinity;
    for (let s = 1; s < this.slots; s++) if (this.touchedCount[(t + s) % this.slots]! > 0) return t + s;
    return Infinity;
  }

  /** Neurons with input at tick t and b1 neurons entering their firing phase join the awake list. */
  wake(t: number): void {
    const s = t % this.slots;
    const base = s * this.n;
    const count = this.touchedCount[s]!;
    for (let k = 0; k < count; k++) {
      const i = this.touched[base + k]!;
      this.touchedFlag[base + i] = 0;
      this.add(i);
    }
    this.pending -= count;
    this.touchedCount[s] = 0;
    const phase = this.wakeAt.get(t);
    if (phase) for (const i of phase) if (this.latched[i] === 0) this.add(i);
  }

  private add(i: number): void {
    if (this.awake[i] === 0) {
      this.awake[i] = 1;
      this.awakeList[this.awakeCount++] = i;
    }
  }
}

/** A network prepared for repeated runs: synapses in CSR form, sources resolved. */
export interface CycleProgram {
  net: HwNetwork;
  arith: CycleArithmetic;
  populations: HwPopulation[];
  index: Map<string, number>;
  /** Outgoing compiled synapse groups per population index. */
  outgoing: CompiledSynapses[][];
  /** Longest latency + delay into each population (ring size − 1). */
  maxArrival: number[];
}

export function compileCycle(net: HwNetwork, target: Target): CycleProgram {
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
  const outgoing: CompiledSynapses[][] = net.populations.map(() => []);
  const maxArrival = net.populations.map(() => arith.latency);
  for (const g of net.synapses) {
    const c = compileSynapses(g, pops, synArith);
    outgoing[index.get(g.source)!]!.push(c);
    const ti = index.get(g.target)!;
    maxArrival[ti] = Math.max(maxArrival[ti]!, arith.latency + c.maxDelay);
  }
  for (const r of net.readouts) {
    const p = pops.get(r.population);
    if (!p || p.kind !== "compartments") throw new InputError(`HW IR readout of '${r.population}': no such compartment population`, "re-run the lowering");
  }
  return { net, arith, populations: net.populations, index, outgoing, maxArrival };
}

interface SourceEvent {
  tick: number;
  pop: number;
  neuron: number;
}

function sourceEvents(prog: CycleProgram, inputs: HwInputSpikes[]): SourceEvent[] {
  const events: SourceEvent[] = [];
  const T = prog.net.ticks;
  prog.populations.forEach((p, pi) => {
    if (p.kind !== "source" || !p.schedule) return;
    const { offsets, ticks } = p.schedule;
    for (let i = 0; i < offsets.length - 1; i++) for (let k = offsets[i]!; k < offsets[i + 1]!; k++) if (ticks[k]! < T) events.push({ tick: ticks[k]!, pop: pi, neuron: i });
  });
  for (const inp of inputs) {
    const pi = prog.index.get(inp.population);
    const p = pi === undefined ? undefined : prog.populations[pi];
    if (!p || p.kind !== "source" || p.role !== "input")
      throw new InputError(`input spikes for '${inp.population}', which is not an input population of the HW IR`, "name an input population");
    const n = populationSize(p);
    for (let k = 0; k < inp.neuron.length; k++) {
      const i = inp.neuron[k]!;
      const t = inp.tick[k]!;
      if (i < 0 || i >= n || t < 0) throw new InputError(`input spike ${k} of '${inp.population}' (neuron ${i}, tick ${t}) is out of range`, "check the encoding");
      if (t < T) events.push({ tick: t, pop: pi!, neuron: i });
    }
  }
  return events.sort((a, b) => a.tick - b.tick || a.pop - b.pop || a.neuron - b.neuron);
}

/** Runs one sample from reset: ticks 0 .. net.ticks − 1. */
export function runCycle(prog: CycleProgram, inputs: HwInputSpikes[], options: CycleOptions = {}): CycleResult {
  const { net, arith, outgoing } = prog;
  const T = net.ticks;
  const L = arith.latency;
  const groups: (Compartments | null)[] = prog.populations.map((p, i) => (p.kind === "compartments" ? new Compartments(p, i, arith) : null));
  groups.forEach((g, i) => g?.allocateRing(prog.maxArrival[i]! + 1));
  const comps = groups.filter((g): g is Compartments => g !== null);
  const events = sourceEvents(prog, inputs);
  const overflow = { q: 0, u: 0, vmax: 0, vmin: 0 };
  const stats = { synapticEvents: 0, neuronUpdates: 0, ticksSimulated: 0, ticksSkipped: 0 };
  const raster = options.raster ? new Map<string, { tick: number[]; neuron: number[] }>() : null;
  const readoutsAt = new Map<number, number[]>();
  net.readouts.forEach((r, k) => readoutsAt.set(r.tick, [...(readoutsAt.get(r.tick) ?? []), k]));
  const readoutTicks = [...readoutsAt.keys()].filter((t) => t >= 0 && t < T).sort((a, b) => a - b);
  const readouts: CycleResult["readouts"] = [];
  const traced = options.trace === undefined ? null : groups[prog.index.get(options.trace) ?? -1] ?? null;
  if (options.trace !== undefined && !traced) throw new InputError(`cannot trace '${options.trace}': not a compartment population`, "name a compartment population");
  const trace: CycleTrace | undefined = traced ? { population: traced.pop.id, u: [], v: [], spike: [] } : undefined;
  const uHalf = 2 ** (arith.uBits - 1);
  const qHalf = arith.qBits === null ? Infinity : 2 ** (arith.qBits - 1);
  const unity = arith.decayUnity;
  const decay = arith.decayTowardZero ? decayTowardZero : decayFloor;
  const { biasIntoU, compareGe } = arith;

  // Outgoing groups with their target populations resolved once per run.
  const fanout = outgoing.map((gs) => gs.map((g) => ({ g, dst: groups[prog.index.get(g.target)!]! })));
  const route = (pop: number, neuron: number, t: number): void => {
    const outs = fanout[pop]!;
    for (let gi = 0; gi < outs.length; gi++) {
      const { g, dst } = outs[gi]!;
      const { offsets, post, contribution, delays } = g;
      const k0 = offsets[neuron]!;
      const k1 = offsets[neuron + 1]!;
      if (delays !== null) {
        for (let k = k0; k < k1; k++) {
          const arrival = t + L + delays[k]!;
          if (arrival >= T) continue;
          dst.deliver(post[k]!, arrival, contribution[k]!);
          stats.synapticEvents++;
        }
        continue;
      }
      // One delay for the whole group: all synapses land in the same ring slot (the hot path, inlined).
      const arrival = t + L + g.delay;
      if (arrival >= T) continue;
      const n = dst.n;
      const s = arrival % dst.slots;
      const base = s * n;
      const { ring, touchedFlag, touched } = dst;
      const before = dst.touchedCount[s]!;
      let count = before;
      for (let k = k0; k < k1; k++) {
        const i = post[k]!;
        ring[base + i] += contribution[k]!;
        if (touchedFlag[base + i] === 0) {
          touchedFlag[base + i] = 1;
          touched[base + count++] = i;
        }
      }
      dst.touchedCount[s] = count;
      dst.pending += count - before;
      stats.synapticEvents += k1 - k0;
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
  let tickSpikes: Uint8Array | null = null;

  let next = 0; // next source event
  for (let t = 0; t < T; t++) {
    stats.ticksSimulated++;
    while (next < events.length && events[next]!.tick === t) {
      const e = events[next++]!;
      route(e.pop, e.neuron, t);
      if (raster) record(raster, prog.populations[e.pop]!.id, t, e.neuron);
    }
    if (traced) tickSpikes = new Uint8Array(traced.n);
    for (const c of comps) {
      c.wake(t);
      if (c.awakeCount === 0) continue;
      const { u, v, ring, counter, latched, bias, vth, vmin, vmax, decayU, decayV, refractory, awake, awakeList } = c;
      const base = (t % c.slots) * c.n;
      let kept = 0;
      stats.neuronUpdates += c.awakeCount;
      for (let k = 0; k < c.awakeCount; k++) {
        const i = awakeList[k]!;
        let q = ring[base + i]!;
        if (q >= qHalf || q < -qHalf) q = limitQ(q);
        ring[base + i] = 0;
        let spike = false;
        let asleep: boolean;
        if (!c.b1) {
          // cuba-lif, targets.md §1.4 steps 2–6
          const du = decayU[i]!;
          const dv = decayV[i]!;
          let un = (du === 0 ? u[i]! : decay(u[i]!, du, unity)) + q + (biasIntoU ? bias[i]! : 0);
          if (un >= uHalf || un < -uHalf) un = wrapU(un);
          let vn = (dv === 0 ? v[i]! : decay(v[i]!, dv, unity)) + un + (biasIntoU ? 0 : bias[i]!);
          if (vn > vmax[i]!) {
            vn = vmax[i]!;
            overflow.vmax++;
          } else if (vn < vmin[i]!) {
            vn = vmin[i]!;
            overflow.vmin++;
          }
          if (counter[i]! > 0) {
            vn = 0;
            counter[i]!--;
          } else if (compareGe ? vn >= vth[i]! : vn > vth[i]!) {
            spike = true;
            vn = 0;
            counter[i] = refractory[i]!;
          }
          u[i] = un;
          v[i] = vn;
          asleep = un === 0 && bias[i] === 0 && counter[i] === 0 && (vn === 0 || dv === 0);
        } else {
          // two-phase b1: integrate inputs, then ramp and fire once
          if (latched[i]) {
            asleep = true;
          } else if (t < c.phase2Start[i]!) {
            const un = wrapU(u[i]! + q);
            let vn = v[i]! + un;
            if (vn > vmax[i]!) (vn = vmax[i]!), overflow.vmax++;
            else if (vn < vmin[i]!) (vn = vmin[i]!), overflow.vmin++;
            u[i] = un;
            v[i] = vn;
            asleep = un === 0;
          } else if (t <= c.phase2End[i]!) {
            let vn = v[i]! + c.ramp[i]!;
            if (vn > vmax[i]!) (vn = vmax[i]!), overflow.vmax++;
            else if (vn < vmin[i]!) (vn = vmin[i]!), overflow.vmin++;
            if (arith.compareGe ? vn >= vth[i]! : vn > vth[i]!) {
              spike = true;
              vn = 0;
              latched[i] = 1;
            }
            v[i] = vn;
            asleep = latched[i] === 1 || t === c.phase2End[i];
          } else {
            asleep = true;
          }
        }
        if (spike) {
          c.spikes++;
          if (c.firstSpike[i] === -1) c.firstSpike[i] = t;
          route(c.index, i, t);
          if (raster) record(raster, c.pop.id, t, i);
          if (tickSpikes && c === traced) tickSpikes[i] = 1;
        }
        if (asleep) awake[i] = 0;
        else awakeList[kept++] = i;
      }
      c.awakeCount = kept;
    }
    if (trace && traced) {
      trace.u.push(Int32Array.from(traced.u));
      trace.v.push(Int32Array.from(traced.v));
      trace.spike.push(tickSpikes!);
    }
    for (const k of readoutsAt.get(t) ?? []) {
      const r = net.readouts[k]!;
      const c = groups[prog.index.get(r.population)!]!;
      const vr = Int32Array.from(c.v);
      const logits = new Float64Array(vr.length);
      for (let i = 0; i < vr.length; i++) logits[i] = r.scale * vr[i]! + (r.offset ? r.offset[i]! : 0);
      readouts.push({ population: r.population, tick: t, v: vr, logits });
    }
    // Skip ticks at which nothing can change: no one awake, no input arriving, no source event, no readout.
    if (!trace && comps.every((c) => c.awakeCount === 0)) {
      let until = next < events.length ? events[next]!.tick : T;
      for (const c of comps) {
        until = Math.min(until, c.nextArrival(t));
        for (const w of c.wakeAt.keys()) if (w > t) until = Math.min(until, w);
      }
      for (const rt of readoutTicks) if (rt > t) {
        until = Math.min(until, rt);
        break;
      }
      if (until > t + 1) {
        stats.ticksSkipped += Math.min(until, T) - t - 1;
        t = Math.min(until, T) - 1;
      }
    }
  }

  const result: CycleResult = {
    readouts,
    firstSpike: Object.fromEntries(comps.map((c) => [c.pop.id, c.firstSpike])),
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
