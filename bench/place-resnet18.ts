/**
 * Placement and fit report of a ResNet-18-shaped network on Loihi 2. Compiling ResNet-18 to HW IR (tick search on
 * the cycle simulator) takes minutes, so the HW IR is built directly with the shapes the lowering produces: per layer
 * a conv group (random 8-bit mantissas, an exponent per output channel), a 4-neuron clock with per-synapse exponents,
 * a self latch; max pooling as a gate population with sparse taps; residual sums as a second conv (1×1 projection) or
 * an identity sparse group into the same population; the classifier as a dense group.
 */
import type { HwCompartmentPopulation, HwNetwork, HwPopulation, HwSynapseGroup } from "../src/hw/network.js";
import { loadTarget } from "../src/hw/target/load.js";
import { place } from "../src/place/place.js";
import { buildFitReport } from "../src/place/fit-report.js";
import { rng } from "../test/helpers/rng.js";
import type { BenchTable } from "./table.js";

const V = 2 ** 23 - 1;

export function resnet18Hw(size = 224, classes = 1000): HwNetwork {
  const rand = rng(7);
  const pops: HwPopulation[] = [{ kind: "source", id: "input", shape: [3, size, size], role: "input", schedule: null }];
  const syn: HwSynapseGroup[] = [];
  const n = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const layer = (id: string, shape: number[]): void => {
    const p: HwCompartmentPopulation = {
      kind: "compartments", id, shape, neuron: "cuba-lif", profiles: [{ neuron: "cuba-lif", decayU: 0, decayV: 0, vthMant: 20000, refractory: 0, vmin: -V, vmax: V }],
      profileOf: null, biasMant: null, biasExp: 0, uInit: null, vInit: null,
    };
    pops.push(p, { kind: "source", id: `${id}/clock`, shape: [4], role: "clock", schedule: { offsets: Int32Array.of(0, 1, 2, 3, 4), ticks: Int32Array.of(1, 2, 3, 4) } });
    const m = n(shape);
    const pre = new Int32Array(4 * m);
    const post = new Int32Array(4 * m);
    const weight = new Int16Array(4 * m);
    const weightExp = new Int8Array(4 * m);
    for (let k = 0; k < 4 * m; k++) {
      pre[k] = k % 4;
      post[k] = k >> 2;
      weight[k] = 2 * Math.floor(1 + rand() * 100);
      weightExp[k] = k % 4;
    }
    syn.push({ kind: "sparse", id: `${id}/clock`, source: `${id}/clock`, target: id, pre, post, weight, weightExp, delay: 0 });
    const self = new Int32Array(m);
    for (let i = 0; i < m; i++) self[i] = i;
    syn.push({ kind: "sparse", id: `${id}/latch`, source: id, target: id, pre: self, post: self.slice(), weight: new Int16Array(m).fill(-256), weightExp: 7, delay: 0 });
  };
  // Random even 8-bit mantissas (typed loops: ResNet-18's layers hold tens of millions of weights).
  const mantissas = (len: number): Int16Array => {
    const w = new Int16Array(len);
    for (let k = 0; k < len; k++) w[k] = 2 * Math.round((rand() - 0.5) * 254);
    return w;
  };
  const exponents = (len: number): Int8Array => {
    const e = new Int8Array(len);
    for (let k = 0; k < len; k++) e[k] = -Math.floor(rand() * 3);
    return e;
  };
  const conv = (src: string, dst: string, cin: number, cout: number, k: number, stride: number): void => {
    syn.push({
      kind: "conv", id: `${src}->${dst}`, source: src, target: dst, group: 1, kernel: [k, k], stride: [stride, stride], pads: Array(4).fill(Math.floor(k / 2)) as [number, number, number, number], dilation: [1, 1],
      weight: mantissas(cout * cin * k * k), weightExp: exponents(cout), delay: 0,
    });
  };
  let hw = size / 2;
  layer("conv1", [64, hw, hw]);
  conv("input", "conv1", 3, 64, 7, 2);
  hw /= 2;
  layer("pool", [64, hw, hw]);
  {
    // 3×3 stride-2 max pooling (pad 1): one gate synapse per tap inside the input.
    const H = 2 * hw;
    let count = 0;
    for (let pass = 0; pass < 2; pass++) {
      const pre = new Int32Array(count);
      const post = new Int32Array(count);
      let k = 0;
      for (let c = 0; c < 64; c++)
        for (let y = 0; y < hw; y++)
          for (let x = 0; x < hw; x++)
            for (let i = 0; i < 3; i++)
              for (let j = 0; j < 3; j++) {
                const iy = 2 * y - 1 + i;
                const ix = 2 * x - 1 + j;
                if (iy < 0 || ix < 0 || iy >= H || ix >= H) continue;
                if (pass === 1) {
                  pre[k] = (c * H + iy) * H + ix;
                  post[k] = (c * hw + y) * hw + x;
                }
                k++;
              }
      if (pass === 0) count = k;
      else syn.push({ kind: "sparse", id: "conv1->pool", source: "conv1", target: "pool", pre, post, weight: new Int16Array(count).fill(254), weightExp: 0, delay: 0 });
    }
  }
  let x = "pool";
  let c = 64;
  for (const [out, stride] of [[64, 1], [128, 2], [256, 2], [512, 2]] as const) {
    for (let block = 0; block < 2; block++) {
      const s = block === 0 ? stride : 1;
      const oh = hw / s;
      const a = `l${out}b${block}a`;
      const b = `l${out}b${block}b`;
      layer(a, [out, oh, oh]);
      conv(x, a, c, out, 3, s);
      layer(b, [out, oh, oh]);
      conv(a, b, out, out, 3, 1);
      if (s !== 1 || c !== out) conv(x, b, c, out, 1, s);
      else {
        const id = new Int32Array(out * oh * oh);
        for (let i = 0; i < id.length; i++) id[i] = i;
        syn.push({ kind: "sparse", id: `${x}->${b}/skip`, source: x, target: b, pre: id, post: id.slice(), weight: new Int16Array(id.length).fill(128), weightExp: 0, delay: 2 });
      }
      x = b;
      c = out;
      hw = oh;
    }
  }
  layer("fc", [classes]);
  syn.push({ kind: "dense", id: `${x}->fc`, source: x, target: "fc", weight: mantissas(classes * c * hw * hw), weightExp: exponents(classes), delay: 0 });
  return { format: "spikec.hw", version: 1, target: "loihi2", ticks: 200, populations: pops, synapses: syn, readouts: [{ population: "fc", tick: 199, scale: 1, offset: null }], notes: ["ResNet-18-shaped HW IR built for the placement benchmark"] };
}

export async function placeResnet18(): Promise<BenchTable> {
  const target = loadTarget("loihi2");
  const t0 = performance.now();
  const net = resnet18Hw();
  const t1 = performance.now();
  const placement = place(net, target);
  const t2 = performance.now();
  const report = buildFitReport(placement);
  const t3 = performance.now();
  const ms = t3 - t1;
  return {
    title: "Placement and fit report: ResNet-18-shaped HW IR on loihi2 (goal ≤ 10 s)",
    headers: ["neurons", "synapses", "cores", "naive cores", "chips", "verdict", "problems", "placements", "build HW IR ms", "place ms", "fit report ms", "total ms", "≤ 10 s"],
    rows: [[report.totals.neurons, report.totals.synapses, report.totals.cores, report.totals.naiveCores, report.totals.chips, report.fits ? "fits" : "does not fit", placement.problems.length, placement.attempts, Math.round(t1 - t0), Math.round(t2 - t1), Math.round(t3 - t2), Math.round(ms), ms <= 10_000 ? "yes" : "NO"]],
    notes: [
      "The HW IR is built directly (compiling ResNet-18 through the tick search takes minutes): same shapes as the lowering (conv, clock, latch, gate, residual groups), random integers.",
      `binding resource: ${report.binding}; ${report.layers.length} placed populations`,
      "placements: the first, plain channel ranges, and the rounds that split layers by their measured output axon slots (the first leaves thousands of cores over their slots; the problems left are layers one neuron of which fits no core)",
      "naive cores: each layer alone, split from its worst resource ratio until every tile fits, one tile per core (layers one neuron of which fits no core are placed by neither count and listed as problems)",
      `the bare ratio bound Σ ceil(worst ratio) is ${placement.naiveBound} cores: split tiles cost more than their share of the whole layer (halo input axons, shorter synapse lists), so it is not a placement`,
    ],
  };
}
