/**
 * A continuous-time, event-driven NIR interpreter for the primitives the spikec TTFS profile emits: Input, Output,
 * Affine, Linear, Scale, Conv2d, SumPool2d, AvgPool2d, Flatten, Delay, I and IF, on feed-forward graphs. Nothing is
 * time-stepped: every signal is held exactly as constants plus Dirac/step/ramp events (interpret/signal.ts), nodes
 * run in topological order (each node's whole trajectory from its inputs'), fan-in is summed, and an IF's
 * piecewise-linear membrane meets its threshold at a time solved in closed form. Semantics as the NIR docs state
 * them: state 0 at t = 0, spikes are Dirac pulses of area 1, IF: dv/dt = r·x, spike when v > v_threshold, then
 * v ← v_reset. Within one time instant all arriving events are applied before the threshold is compared.
 */
import { InputError } from "../util/errors.js";
import type { IF, NirGraph, NirNode } from "./graph.js";
import { InterpretError, linearMap } from "./interpret/linear-maps.js";
import { DIRAC, Events, RAMP, STEP, type Signal, emptySignal, valueAt as valueAtOf } from "./interpret/signal.js";
import { toFloat64 } from "./tensor.js";

export { valueAt, type Signal } from "./interpret/signal.js";

export interface InterpretOptions {
  /** Spikes after this time are not emitted (default 1e9; a fire-once IF's next crossing lies ~1e30 away). */
  until?: number;
  /** Keep the output of these nodes (e.g. IF spike trains) in `signals`. */
  record?: (name: string) => boolean;
}

export interface InterpretResult {
  /** Signal of every Output node. */
  outputs: Map<string, Signal>;
  /** Signals of the recorded nodes. */
  signals: Map<string, Signal>;
}

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Nodes in an order where every edge goes forward; a cycle is refused. */
function topologicalOrder(graph: NirGraph): string[] {
  const indegree = new Map<string, number>([...graph.nodes.keys()].map((n) => [n, 0]));
  const next = new Map<string, string[]>();
  for (const [a, b] of graph.edges) {
    indegree.set(b, indegree.get(b)! + 1);
    next.set(a, [...(next.get(a) ?? []), b]);
  }
  const ready = [...indegree].filter(([, d]) => d === 0).map(([n]) => n);
  const order: string[] = [];
  while (ready.length) {
    const n = ready.shift()!;
    order.push(n);
    for (const m of next.get(n) ?? []) {
      indegree.set(m, indegree.get(m)! - 1);
      if (indegree.get(m) === 0) ready.push(m);
    }
  }
  if (order.length !== graph.nodes.size) throw new InterpretError("the graph has a cycle; the interpreter runs feed-forward graphs only");
  return order;
}

/** Sum of signals (fan-in). */
function sum(signals: Signal[], shape: number[]): Signal {
  if (signals.length === 1) return signals[0]!;
  const out = emptySignal(shape);
  for (const s of signals) {
    for (let i = 0; i < out.c0.length; i++) {
      out.c0[i]! += s.c0[i]!;
      out.c1[i]! += s.c1[i]!;
    }
  }
  out.events = Events.merge(signals.map((s) => s.events));
  return out;
}

function applyLinear(node: Parameters<typeof linearMap>[0], x: Signal): Signal {
  const map = linearMap(node, x.shape);
  const out = emptySignal(map.outShape);
  for (const [from, to] of [
    [x.c0, out.c0],
    [x.c1, out.c1],
  ] as const) {
    for (let j = 0; j < from.length; j++) {
      const v = from[j]!;
      if (v !== 0) map.scatter(j, (i, c) => (to[i]! += c * v));
    }
  }
  if (map.bias) for (let i = 0; i < out.c0.length; i++) out.c0[i]! += map.bias[i]!;
  const ev = x.events;
  const res = new Events(Math.max(16, ev.n));
  for (let e = 0; e < ev.n; e++) {
    const t = ev.t[e]!;
    const w = ev.w[e]!;
    const k = ev.k[e]!;
    map.scatter(ev.i[e]!, (i, c) => res.push(t, i, c * w, k));
  }
  out.events = res;
  return out;
}

function applyDelay(d: Float64Array, x: Signal): Signal {
  const out = emptySignal(x.shape);
  const ev = new Events(Math.max(16, x.events.n + 2 * d.length));
  for (let i = 0; i < d.length; i++) {
    if (d[i] === 0) {
      out.c0[i] = x.c0[i]!;
      out.c1[i] = x.c1[i]!;
    } else {
      // x(t − d) with x = 0 before t = 0: constants become a step and a ramp at d
      if (x.c0[i] !== 0) ev.push(d[i]!, i, x.c0[i]!, STEP);
      if (x.c1[i] !== 0) ev.push(d[i]!, i, x.c1[i]!, RAMP);
    }
  }
  for (let e = 0; e < x.events.n; e++) ev.push(x.events.t[e]! + d[x.events.i[e]!]!, x.events.i[e]!, x.events.w[e]!, x.events.k[e]!);
  out.events = ev.sorted();
  return out;
}

function applyIntegrator(name: string, r: Float64Array, x: Signal): Signal {
  const out = emptySignal(x.shape);
  for (let i = 0; i < r.length; i++) {
    if (x.c1[i] !== 0) throw new InterpretError(`'${name}' (I) integrates a ramp: the interpreter handles signals up to ramps only`);
    out.c1[i] = r[i]! * x.c0[i]!;
  }
  const ev = x.events;
  const res = new Events(Math.max(16, ev.n));
  for (let e = 0; e < ev.n; e++) {
    if (ev.k[e] === RAMP) throw new InterpretError(`'${name}' (I) integrates a ramp: the interpreter handles signals up to ramps only`);
    res.push(ev.t[e]!, ev.i[e]!, r[ev.i[e]!]! * ev.w[e]!, ev.k[e]! + 1);
  }
  out.events = res;
  return out;
}

/** IF neurons, element by element: piecewise-linear membrane, closed-form crossings, reset to v_reset. */
function runIF(name: string, node: IF, x: Signal, until: number): Signal {
  const n = size(x.shape);
  const r = toFloat64(node.r);
  const th = toFloat64(node.v_threshold);
  const reset = toFloat64(node.v_reset);
  for (let i = 0; i < n; i++) if (x.c1[i] !== 0) throw new InterpretError(`'${name}' (IF) is driven by a ramp: its membrane would be quadratic, which the interpreter does not solve`);
  // bucket the (time-sorted) events by element, keeping time order
  const ev = x.events;
  const start = new Int32Array(n + 1);
  for (let e = 0; e < ev.n; e++) {
    if (ev.k[e] === RAMP) throw new InterpretError(`'${name}' (IF) is driven by a ramp: its membrane would be quadratic, which the interpreter does not solve`);
    start[ev.i[e]! + 1]!++;
  }
  for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, n);
  const order = new Int32Array(ev.n);
  for (let e = 0; e < ev.n; e++) order[fill[ev.i[e]!]!++] = e;
  const spikes = new Events();
  for (let i = 0; i < n; i++) {
    const ri = r[i]!;
    const theta = th[i]!;
    const vReset = reset[i]!;
    let v = 0;
    let slope = ri * x.c0[i]!;
    let now = 0;
    if (v > theta && 0 <= until) {
      spikes.push(0, i, 1, DIRAC);
      v = vReset;
    }
    for (let a = start[i]!, end = start[i + 1]!; ; ) {
      const next = a < end ? ev.t[order[a]!]! : Number.POSITIVE_INFINITY;
      // crossings of the linear membrane on [now, next), then v at `next`
      while (slope > 0) {
        const tc = now + (theta - v) / slope;
        if (!(tc < next) || tc > until) break;
        spikes.push(tc, i, 1, DIRAC);
        v = vReset;
        now = tc;
      }
      if (a >= end) break;
      v += slope * (next - now);
      now = next;
      for (; a < end && ev.t[order[a]!] === next; a++) {
        const e = order[a]!;
        if (ev.k[e] === DIRAC) v += ri * ev.w[e]!;
        else slope += ri * ev.w[e]!;
      }
      if ((v > theta || (v === theta && slope > 0)) && next <= until) {
        spikes.push(next, i, 1, DIRAC);
        v = vReset;
      }
    }
  }
  const out = emptySignal(x.shape);
  out.events = spikes.sorted();
  return out;
}

function outShapeOf(node: NirNode): number[] | null {
  return node.type === "Input" || node.type === "Output" ? node.shape : null;
}

/**
 * Runs a NIR graph on Dirac spike inputs: `inputs` maps each Input node to one spike time per element
 * (+∞ or NaN = no spike). Returns the Output nodes' signals (sample them with valueAt).
 */
export function interpretNir(graph: NirGraph, inputs: Record<string, Float64Array>, options: InterpretOptions = {}): InterpretResult {
  const until = options.until ?? 1e9;
  const record = options.record ?? (() => false);
  const into = new Map<string, string[]>();
  const consumers = new Map<string, number>();
  for (const [a, b] of graph.edges) {
    into.set(b, [...(into.get(b) ?? []), a]);
    consumers.set(a, (consumers.get(a) ?? 0) + 1);
  }
  const outOf = new Map<string, Signal>();
  const outputs = new Map<string, Signal>();
  const signals = new Map<string, Signal>();
  for (const name of topologicalOrder(graph)) {
    const node = graph.nodes.get(name)!;
    const fail = (what: string): never => {
      throw new InputError(`NIR interpreter: node '${name}' (${node.type}): ${what}`, "interpret only feed-forward graphs of the primitives the spikec TTFS profile uses (Input, Output, Affine, Linear, Scale, Conv2d, SumPool2d, AvgPool2d, Flatten, Delay, I, IF)");
    };
    const preds = into.get(name) ?? [];
    let x: Signal;
    if (node.type === "Input") {
      const times = inputs[name] ?? fail("no spike times were given for this input");
      if (times.length !== size(node.shape)) fail(`${times.length} spike times given for an input of shape [${node.shape.join(", ")}]`);
      x = emptySignal(node.shape);
      const order = Array.from(times.keys()).filter((i) => Number.isFinite(times[i]!)).sort((a, b) => times[a]! - times[b]! || a - b);
      for (const i of order) x.events.push(times[i]!, i, 1, DIRAC);
    } else {
      if (!preds.length) fail("has no input edge");
      const ins = preds.map((p) => outOf.get(p)!);
      const shape = ins[0]!.shape;
      if (ins.some((s) => size(s.shape) !== size(shape))) fail(`its inputs have different sizes (${ins.map((s) => `[${s.shape.join(", ")}]`).join(", ")})`);
      x = sum(ins, shape);
      // a signal is dropped once its last consumer has read it (memory stays at the live frontier)
      for (const p of preds) {
        const left = consumers.get(p)! - 1;
        consumers.set(p, left);
        if (left === 0) outOf.delete(p);
      }
    }
    try {
      let y: Signal;
      switch (node.type) {
        case "Input":
        case "Output":
          y = { ...x, shape: outShapeOf(node) ?? x.shape };
          break;
        case "Affine":
        case "Linear":
        case "Scale":
        case "Conv2d":
        case "SumPool2d":
        case "AvgPool2d":
        case "Flatten":
          y = applyLinear(node, x);
          break;
        case "Delay":
          y = applyDelay(toFloat64(node.delay), x);
          break;
        case "I":
          y = applyIntegrator(name, toFloat64(node.r), x);
          break;
        case "IF":
          y = runIF(name, node, x, until);
          break;
        default:
          return fail("is not a primitive the interpreter supports");
      }
      outOf.set(name, y);
      if (node.type === "Output") outputs.set(name, y);
      if (record(name)) signals.set(name, y);
    } catch (e) {
      if (e instanceof InterpretError) fail(e.message);
      throw e;
    }
  }
  return { outputs, signals };
}

/**
 * Logits of a spikec TTFS-profile graph for a batch of encoded inputs ([batch, …input shape] spike times, +∞ = no
 * spike): the Output signal at the read time stored in the graph metadata (`spikec/read_time`).
 */
export function interpretTtfs(graph: NirGraph, inputTimes: Float64Array, batch: number): Float64Array {
  const meta = graph.metadata.spikec;
  const readTime = meta && typeof meta === "object" && !Array.isArray(meta) && "read_time" in meta ? meta.read_time : undefined;
  if (typeof readTime !== "number") throw new InputError("NIR interpreter: the graph has no 'spikec/read_time' metadata", "interpret files written by `spikec export nir`");
  const inputName = [...graph.nodes].find(([, n]) => n.type === "Input")?.[0];
  if (!inputName) throw new InputError("NIR interpreter: the graph has no Input node", "interpret files written by `spikec export nir`");
  const per = inputTimes.length / batch;
  let logits: Float64Array | undefined;
  for (let b = 0; b < batch; b++) {
    const { outputs } = interpretNir(graph, { [inputName]: inputTimes.subarray(b * per, (b + 1) * per) }, { until: readTime });
    const out = valueAtOf([...outputs.values()][0]!, readTime);
    logits ??= new Float64Array(batch * out.length);
    logits.set(out, b * out.length);
  }
  return logits ?? new Float64Array(0);
}
