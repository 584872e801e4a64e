/**
 * What the emitted Lava program computes on the CPU (Loihi2SimCfg, "fixed_pt" models): a plain tick-by-tick model
 * of a LavaPlan with Lava's conventions (shared/tools/lava/README.md), written apart from the cycle engine so that
 * `--emit lava` can say, before anyone installs Lava, how far a CPU run of its program will be from the chip.
 *
 * The one arithmetic difference from Loihi (and from the HW IR and spikec's cycle simulator): a connection process
 * with weight_exp e < 0 sums its synapses first and shifts the sum, per step and target neuron —
 * a = (Σ w·s) >> −e, floored — where Loihi scales every synapse, w·2^(6+e) exactly (./resolution.ts). Per step t:
 *   a_c[t] = shift_e(Σ_j W_c[i,j] · s_src[t − 1 − d_c][j])            per connection c (delay d_c, exponent e)
 *   u[t] = rtz(u[t−1] · (4096 − du − 1) / 4096) + ((Σ_c a_c[t]) << 6)   wrapped to 24 bits
 *   v[t] = rtz(v[t−1] · (4096 − dv) / 4096) + u[t] + (bias_mant << bias_exp), clipped to ±(2^23 − 1)
 *   s[t] = v[t] > (vth << 6); v[t] = 0 where s[t]
 * Samples start from the initial u and v with empty synaptic buffers, as the program resets them; the logits are
 * scale · v + offset at the end of the last readout's tick (then max(·, 0) for a ReLU readout).
 */
import { encodeTick } from "../../hw/io.js";
import { LAVA_DU_OFFSET, LAVA_DV_OFFSET, LAVA_V_LIMIT, type LavaLif, type LavaPlan } from "./plan.js";

const UNITY = 4096;
const U_RANGE = 2 ** 24;

/** rtz(x · (4096 − d) / 4096): Lava's decay, rounded toward zero. */
function decay(x: number, d: number): number {
  if (d === 0 || x === 0) return x;
  const y = Math.floor((Math.abs(x) * (UNITY - d)) / UNITY);
  return x < 0 ? -y : y;
}

/** Two's-complement wrap of u to 24 bits. */
const wrap24 = (u: number): number => ((((u + U_RANGE / 2) % U_RANGE) + U_RANGE) % U_RANGE) - U_RANGE / 2;

/** A connection by source neuron (CSR over its COO entries). */
interface Fanout {
  target: number;
  delay: number;
  weightExp: number;
  offsets: Int32Array;
  post: Int32Array;
  weight: Int32Array;
}

function fanoutOf(pre: Int32Array, post: Int32Array, weight: Int32Array, nSource: number): Pick<Fanout, "offsets" | "post" | "weight"> {
  const offsets = new Int32Array(nSource + 1);
  for (const j of pre) offsets[j + 1]!++;
  for (let j = 0; j < nSource; j++) offsets[j + 1]! += offsets[j]!;
  const at = offsets.slice(0, nSource);
  const p = new Int32Array(pre.length);
  const w = new Int32Array(pre.length);
  for (let k = 0; k < pre.length; k++) {
    const slot = at[pre[k]!]!++;
    p[slot] = post[k]!;
    w[slot] = weight[k]!;
  }
  return { offsets, post: p, weight: w };
}

/** Raw input values per sample: the input sources' sizes, in plan order (the program's INPUT_ENCODING). */
function inputSize(plan: LavaPlan): number {
  return plan.neurons.reduce((a, p) => a + (p.kind === "source" && p.role === "input" ? p.size : 0), 0);
}

export interface LavaCpuResult {
  /** [n, classes] */
  logits: Float64Array;
  classes: number;
}

/** Runs `n` raw input samples (flat, [n, …]) through what the plan's program computes on Lava's CPU models. */
export function runLavaCpu(plan: LavaPlan, x: Float64Array, n: number): LavaCpuResult {
  const index = new Map(plan.neurons.map((p, i) => [p.name, i]));
  const sizes = plan.neurons.map((p) => p.size);
  const fanouts: Fanout[][] = plan.neurons.map(() => []);
  let maxDelay = 0;
  for (const c of plan.connections) {
    fanouts[index.get(c.sourceName)!]!.push({ target: index.get(c.targetName)!, delay: c.delay, weightExp: c.weightExp, ...fanoutOf(c.pre, c.post, c.weight, c.nSource) });
    maxDelay = Math.max(maxDelay, c.delay);
  }
  const lifs = plan.neurons.map((p) => (p.kind === "lif" ? p : null));
  for (const l of lifs) if (l && [...l.biasExp].some((e) => e < 0)) throw new Error(`lava cpu model: ${l.name} has a negative bias exponent`);
  const perSample = inputSize(plan);
  const readout = plan.readouts[plan.readouts.length - 1]!;
  const readoutIndex = plan.neurons.findIndex((p) => p.population === readout.population);
  const classes = sizes[readoutIndex]!;
  const logits = new Float64Array(n * classes);
  // Spikes per tick and population (neuron lists), kept for the longest delay + latency.
  const history = maxDelay + 2;
  const fired: number[][][] = Array.from({ length: history }, () => plan.neurons.map(() => []));
  const acc = plan.neurons.map((_, i) => new Float64Array(sizes[i]!));
  const input = plan.neurons.map((_, i) => new Float64Array(sizes[i]!));
  const u = lifs.map((l) => (l ? new Float64Array(l.size) : null));
  const v = lifs.map((l) => (l ? new Float64Array(l.size) : null));
  const bias = lifs.map((l) => (l ? Float64Array.from(l.biasMant, (m, j) => m * 2 ** l.biasExp[j]!) : null));
  const touched = new Int32Array(Math.max(...sizes));
  const mark = plan.neurons.map((_, i) => new Uint8Array(sizes[i]!));
  const end = readout.tick + 1;

  for (let s = 0; s < n; s++) {
    // Source spikes of this sample: input ticks from the encoding, clock ticks from their schedules.
    const sourceTicks = new Map<number, Map<number, number[]>>();
    let at = s * perSample;
    plan.neurons.forEach((p, i) => {
      if (p.kind !== "source") return;
      const byTick = new Map<number, number[]>();
      const add = (t: number, j: number) => (byTick.get(t) ?? byTick.set(t, []).get(t)!).push(j);
      if (p.role === "input") {
        for (let j = 0; j < p.size; j++) {
          const t = encodeTick(p.encoding!, x[at + j]!);
          if (t >= 0) add(t, j);
        }
        at += p.size;
      } else {
        const sch = p.schedule!;
        for (let j = 0; j < p.size; j++) for (let k = sch.offsets[j]!; k < sch.offsets[j + 1]!; k++) add(sch.ticks[k]!, j);
      }
      sourceTicks.set(i, byTick);
    });
    lifs.forEach((l, i) => {
      if (!l) return;
      u[i]!.set(l.u);
      v[i]!.set(l.v);
    });
    for (const h of fired) for (const list of h) list.length = 0;

    for (let t = 0; t < end; t++) {
      for (const a of input) a.fill(0);
      // Each connection's sum of the spikes it delivers now, shifted per target neuron.
      for (let i = 0; i < fanouts.length; i++) {
        for (const f of fanouts[i]!) {
          const from = t - 1 - f.delay;
          if (from < 0) continue;
          const spikes = fired[from % history]![i]!;
          if (spikes.length === 0) continue;
          const a = acc[f.target]!;
          const seen = mark[f.target]!;
          let nTouched = 0;
          for (const j of spikes)
            for (let k = f.offsets[j]!; k < f.offsets[j + 1]!; k++) {
              const q = f.post[k]!;
              if (!seen[q]) {
                seen[q] = 1;
                touched[nTouched++] = q;
              }
              a[q]! += f.weight[k]!;
            }
          const into = input[f.target]!;
          const scale = 2 ** f.weightExp;
          for (let m = 0; m < nTouched; m++) {
            const q = touched[m]!;
            into[q]! += f.weightExp >= 0 ? a[q]! * scale : Math.floor(a[q]! * scale);
            a[q] = 0;
            seen[q] = 0;
          }
        }
      }
      const now = fired[t % history]!;
      for (let i = 0; i < plan.neurons.length; i++) {
        const out = now[i]!;
        out.length = 0;
        const l = lifs[i];
        if (l) stepLif(l, bias[i]!, u[i]!, v[i]!, input[i]!, out);
        else for (const j of sourceTicks.get(i)!.get(t) ?? []) out.push(j);
      }
      if (t === readout.tick) {
        const vr = v[readoutIndex]!;
        for (let c = 0; c < classes; c++) {
          const y = readout.scale * vr[c]! + (readout.offset ? readout.offset[c]! : 0);
          logits[s * classes + c] = readout.relu ? Math.max(y, 0) : y;
        }
      }
    }
  }
  return { logits, classes };
}

/** One step of Lava's bit-accurate LIF for every neuron of `p` (the update rule in the header); `bias` = bias_mant << bias_exp. */
function stepLif(p: LavaLif, bias: Float64Array, u: Float64Array, v: Float64Array, input: Float64Array, out: number[]): void {
  const du = p.du + LAVA_DU_OFFSET;
  const dv = p.dv + LAVA_DV_OFFSET;
  const vth = p.vth * 64;
  for (let j = 0; j < p.size; j++) {
    const uj = wrap24(decay(u[j]!, du) + input[j]! * 64);
    u[j] = uj;
    let vj = decay(v[j]!, dv) + uj + bias[j]!;
    vj = Math.max(-LAVA_V_LIMIT, Math.min(LAVA_V_LIMIT, vj));
    if (vj > vth) {
      out.push(j);
      vj = 0;
    }
    v[j] = vj;
  }
}

/** How a CPU run of the program compares with the chip (the cycle simulation of the same HW IR). */
export interface LavaCpuCheck {
  samples: number;
  /** Samples whose class (argmax) is the chip's. */
  agreeing: number;
  maxAbsDelta: number;
  /** The chip's largest |logit| on those samples (the scale of maxAbsDelta). */
  maxAbsLogit: number;
}

/** runLavaCpu on the first `n` samples, against the chip's logits for them ([≥ n, classes]). */
export function checkLavaCpu(plan: LavaPlan, x: Float64Array, n: number, chipLogits: Float64Array): LavaCpuCheck {
  const { logits, classes } = runLavaCpu(plan, x.subarray(0, inputSize(plan) * n), n);
  let agreeing = 0;
  let maxAbsDelta = 0;
  let maxAbsLogit = 0;
  for (let s = 0; s < n; s++) {
    let a = 0;
    let b = 0;
    for (let c = 0; c < classes; c++) {
      const k = s * classes + c;
      maxAbsDelta = Math.max(maxAbsDelta, Math.abs(logits[k]! - chipLogits[k]!));
      maxAbsLogit = Math.max(maxAbsLogit, Math.abs(chipLogits[k]!));
      if (chipLogits[k]! > chipLogits[s * classes + a]!) a = c;
      if (logits[k]! > logits[s * classes + b]!) b = c;
    }
    agreeing += +(a === b);
  }
  return { samples: n, agreeing, maxAbsDelta, maxAbsLogit };
}

/** The check in words, for the program's header and compile's warning. */
export function lavaCpuCheckText(c: LavaCpuCheck): string {
  return (
    `on ${c.samples} calibration samples, a CPU run (spikec's model of Lava's fixed-point arithmetic) gives the chip's class for ${c.agreeing} of ${c.samples}, ` +
    `max |Δlogit| ${c.maxAbsDelta.toPrecision(3)} (the chip's largest |logit| ${c.maxAbsLogit.toPrecision(3)})`
  );
}
