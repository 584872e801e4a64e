/**
 * Invariants of the SNN IR, checked after the mapping and on every load: topological order, unique ids, array lengths
 * that match shapes, geometry consistent with shapes, windows chained and sources aligned by their delays, finite
 * numbers, and for the alpha model a positive slope α + ΣJ once all inputs have arrived.
 */
import { product } from "../ann/graph.js";
import { conv2dOutputShape } from "../ann/kernels/conv2d.js";
import { pool2dOutputShape } from "../ann/kernels/pool2d.js";
import type { Population, Projection, SnnNetwork } from "./network.js";
import { weightSums } from "./synapses.js";

const TOL = 1e-9;

function fail(pop: Population, msg: string): never {
  throw new Error(`population '${pop.id}': ${msg}`);
}

function checkFinite(pop: Population, name: string, a: Float64Array): void {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) fail(pop, `${name}[${i}] is ${a[i]}`);
}

function checkNumber(pop: Population, name: string, x: number): void {
  if (!Number.isFinite(x)) fail(pop, `${name} is ${x}`);
}

/** Kernel, stride and dilation whole numbers ≥ 1, pads whole numbers ≥ 0 (a 0 dilation would read one tap for all). */
function checkGeometry(pop: Population, what: string, g: { kernel: readonly number[]; stride: readonly number[]; pads: readonly number[]; dilation: readonly number[] }): void {
  const whole = (v: readonly number[], min: number) => v.every((x) => Number.isInteger(x) && x >= min);
  if (!whole(g.kernel, 1) || !whole(g.stride, 1) || !whole(g.dilation, 1) || !whole(g.pads, 0)) {
    fail(pop, `${what}: kernel [${g.kernel}], stride [${g.stride}], dilation [${g.dilation}], pads [${g.pads}] (kernel, stride and dilation must be whole numbers ≥ 1, pads ≥ 0)`);
  }
}

function checkProjection(pop: Population, proj: Projection, src: Population, t1: number): void {
  const size = product(pop.shape);
  const srcSize = product(src.shape);
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
  switch (proj.kind) {
    case "dense":
      if (proj.weight.length !== size * srcSize) fail(pop, `dense weight from '${src.id}' has ${proj.weight.length} entries, expected ${size}×${srcSize}`);
      break;
    case "conv": {
      checkGeometry(pop, `conv from '${src.id}'`, proj);
      if (!Number.isInteger(proj.group) || proj.group < 1 || src.shape[0]! % proj.group !== 0) fail(pop, `conv from '${src.id}': group ${proj.group} does not divide ${src.shape[0]} channels`);
      const expect = conv2dOutputShape(src.shape, pop.shape[0]!, proj);
      if (!same(expect, pop.shape)) fail(pop, `conv from '${src.id}' gives [${expect}], population is [${pop.shape}]`);
      const per = (src.shape[0]! / proj.group) * proj.kernel[0] * proj.kernel[1];
      if (proj.weight.length !== pop.shape[0]! * per) fail(pop, `conv kernel from '${src.id}' has ${proj.weight.length} entries, expected ${pop.shape[0]! * per}`);
      break;
    }
    case "avgpool": {
      checkGeometry(pop, `average pool from '${src.id}'`, proj);
      const expect = pool2dOutputShape(src.shape, proj, proj.ceilMode);
      if (!same(expect, pop.shape)) fail(pop, `average pool from '${src.id}' gives [${expect}], population is [${pop.shape}]`);
      if (proj.weight.length !== src.shape[0]) fail(pop, `average pool gains: ${proj.weight.length} for ${src.shape[0]} channels`);
      break;
    }
    case "identity":
      if (!same(src.shape, pop.shape)) fail(pop, `identity from '${src.id}' [${src.shape}] onto [${pop.shape}]`);
      if (proj.weight.length !== src.shape[0]) fail(pop, `identity gains: ${proj.weight.length} for ${src.shape[0]} channels`);
      break;
  }
  checkFinite(pop, `weights from '${src.id}'`, proj.weight);
  if (!(proj.delay >= 0) || !Number.isFinite(proj.delay)) fail(pop, `delay ${proj.delay} from '${src.id}' (must be finite and ≥ 0)`);
  if (Math.abs(src.window.tMax + proj.delay - t1) > TOL * Math.max(1, t1)) {
    fail(pop, `source '${src.id}' ends at ${src.window.tMax} + delay ${proj.delay}, not at the input window's end ${t1}`);
  }
}

export function verifyNetwork(net: SnnNetwork): void {
  const seen = new Map<string, Population>();
  net.populations.forEach((pop, index) => {
    if (seen.has(pop.id)) fail(pop, "duplicate id");
    if (!(pop.window.tMin <= pop.window.tMax)) fail(pop, `window [${pop.window.tMin}, ${pop.window.tMax}] is reversed`);
    checkNumber(pop, "window start", pop.window.tMin);
    checkNumber(pop, "window end", pop.window.tMax);
    const size = product(pop.shape);
    if (index === 0 && pop.kind !== "input") fail(pop, "the first population must be the input");
    if (index === net.populations.length - 1 && pop.kind !== "readout") fail(pop, "the last population must be the readout");
    const source = (id: string) => seen.get(id) ?? fail(pop, `source '${id}' is not an earlier population`);
    switch (pop.kind) {
      case "input":
        if (!(pop.range.high > pop.range.low)) fail(pop, `input range [${pop.range.low}, ${pop.range.high}] is empty`);
        checkNumber(pop, "input range low", pop.range.low);
        checkNumber(pop, "input range high", pop.range.high);
        break;
      case "gate": {
        const src = source(pop.projection.source);
        checkGeometry(pop, `pool over '${src.id}'`, pop.projection);
        const expect = pool2dOutputShape(src.shape, pop.projection, pop.projection.ceilMode);
        if (expect.join() !== pop.shape.join()) fail(pop, `pool over '${src.id}' gives [${expect}], population is [${pop.shape}]`);
        if (pop.channelSign.length !== pop.shape[0]) fail(pop, "one channel sign per channel expected");
        if (pop.window.tMin !== src.window.tMin || pop.window.tMax !== src.window.tMax) fail(pop, "a gate fires in its source's window");
        if (pop.scale.length !== size) fail(pop, "scale length");
        checkFinite(pop, "scale", pop.scale);
        break;
      }
      case "spiking":
      case "readout": {
        if (pop.inputWindow.tMax !== pop.window.tMin) fail(pop, "the firing window must start where the input window ends");
        if (!(pop.inputWindow.tMin < pop.inputWindow.tMax)) fail(pop, "empty input window");
        checkNumber(pop, "input window start", pop.inputWindow.tMin);
        pop.projections.forEach((p) => checkProjection(pop, p, source(p.source), pop.inputWindow.tMax));
        if (pop.kind === "readout") {
          if (pop.alpha.length !== size) fail(pop, "one bias current per readout neuron expected");
          checkFinite(pop, "alpha", pop.alpha);
          break;
        }
        if (pop.threshold.length !== size) fail(pop, `threshold has ${pop.threshold.length} entries for ${size} neurons`);
        if (pop.scale.length !== size) fail(pop, "scale length");
        checkFinite(pop, "threshold", pop.threshold);
        checkFinite(pop, "scale", pop.scale);
        checkNumber(pop, "alpha", pop.alpha);
        checkNumber(pop, "max activation", pop.maxActivation);
        if (net.model === "alpha") {
          const slope = new Float64Array(size).fill(pop.alpha);
          for (const p of pop.projections) weightSums(p, pop.shape).forEach((s, i) => (slope[i]! += s));
          slope.forEach((s, i) => {
            if (!(s > 0)) fail(pop, `neuron ${i}: slope α + ΣJ = ${s} is not positive, so it could never reach its threshold after its inputs`);
          });
        }
        break;
      }
    }
    seen.set(pop.id, pop);
  });
}
