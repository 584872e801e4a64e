/**
 * Signals of the NIR interpreter, exactly: every signal our primitives produce from Dirac spike inputs is, per
 * element i, x_i(t) = c0_i + c1_i·t + Σ_events w·{δ(t − t_e), H(t − t_e), [t − t_e]_+} (Dirac, step, ramp). Linear
 * maps act on each part; `I` raises the order by one (Dirac → step → ramp, c0 → c1); an IF needs at most steps
 * (its membrane is then piecewise linear and thresholds are crossed in closed form).
 */
export const DIRAC = 0;
export const STEP = 1;
export const RAMP = 2;
export type EventKind = typeof DIRAC | typeof STEP | typeof RAMP;

/** Events sorted by time (ties in insertion order), as growable parallel arrays. */
export class Events {
  t: Float64Array;
  i: Int32Array;
  w: Float64Array;
  k: Uint8Array;
  n = 0;

  constructor(capacity = 16) {
    this.t = new Float64Array(capacity);
    this.i = new Int32Array(capacity);
    this.w = new Float64Array(capacity);
    this.k = new Uint8Array(capacity);
  }

  push(t: number, i: number, w: number, k: number): void {
    if (this.n === this.t.length) this.grow();
    const n = this.n++;
    this.t[n] = t;
    this.i[n] = i;
    this.w[n] = w;
    this.k[n] = k;
  }

  private grow(): void {
    const cap = this.t.length * 2;
    const t = new Float64Array(cap);
    t.set(this.t);
    const i = new Int32Array(cap);
    i.set(this.i);
    const w = new Float64Array(cap);
    w.set(this.w);
    const k = new Uint8Array(cap);
    k.set(this.k);
    Object.assign(this, { t, i, w, k });
  }

  isSorted(): boolean {
    for (let e = 1; e < this.n; e++) if (this.t[e]! < this.t[e - 1]!) return false;
    return true;
  }

  /** A time-sorted copy (stable). */
  sorted(): Events {
    if (this.isSorted()) return this;
    const order = Array.from({ length: this.n }, (_, e) => e).sort((a, b) => this.t[a]! - this.t[b]! || a - b);
    const out = new Events(Math.max(16, this.n));
    for (const e of order) out.push(this.t[e]!, this.i[e]!, this.w[e]!, this.k[e]!);
    return out;
  }

  /** Merge of time-sorted lists (stable: earlier lists first at equal times). */
  static merge(lists: Events[]): Events {
    if (lists.length === 1) return lists[0]!;
    let acc = lists[0]!;
    for (let l = 1; l < lists.length; l++) {
      const a = acc;
      const b = lists[l]!;
      const out = new Events(Math.max(16, a.n + b.n));
      let x = 0;
      let y = 0;
      while (x < a.n || y < b.n) {
        if (y >= b.n || (x < a.n && a.t[x]! <= b.t[y]!)) out.push(a.t[x]!, a.i[x]!, a.w[x]!, a.k[x++]!);
        else out.push(b.t[y]!, b.i[y]!, b.w[y]!, b.k[y++]!);
      }
      acc = out;
    }
    return acc;
  }
}

export interface Signal {
  shape: number[];
  c0: Float64Array;
  c1: Float64Array;
  events: Events;
}

export function emptySignal(shape: number[]): Signal {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, c0: new Float64Array(n), c1: new Float64Array(n), events: new Events() };
}

/** x_i(t) for every element, Diracs left out (a sampled signal has no value for them). */
export function valueAt(s: Signal, t: number): Float64Array {
  const out = new Float64Array(s.c0.length);
  for (let i = 0; i < out.length; i++) out[i] = s.c0[i]! + s.c1[i]! * t;
  const ev = s.events;
  for (let e = 0; e < ev.n && ev.t[e]! <= t; e++) {
    if (ev.k[e] === STEP) out[ev.i[e]!]! += ev.w[e]!;
    else if (ev.k[e] === RAMP) out[ev.i[e]!]! += ev.w[e]! * (t - ev.t[e]!);
  }
  return out;
}
