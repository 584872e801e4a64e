/**
 * Invariants of the HW IR, in two layers:
 * - structure (no target needed): unique ids, synapse sources/targets exist, array lengths match shapes,
 *   conv geometry, profiles of the population's neuron kind, valid profileOf indices, CSR clock schedules;
 * - ranges (for one target): every integer fits the field the chip holds it in — weight mantissas for a sign
 *   mode, weight exponents, delays, threshold mantissas, bias mantissa/exponent, vmin/vmax forms, decays,
 *   refractory periods, initial u/v within the state widths, and neuron kinds the target runs.
 * Every issue names the object (population, synapse group, readout), the field, the value and the limit.
 */
import { InputError, SpikecError } from "../util/errors.js";
import type { Target, WeightRange } from "./target/target.js";
import { maxEffectiveDecay, signedMax } from "./target/target.js";
import type { HwCompartmentPopulation, HwNetwork, HwPopulation, HwProfile, HwSourcePopulation, HwSynapseGroup } from "./network.js";
import { HW_FORMAT, populationSize } from "./network.js";
import { minOf } from "../util/extrema.js";

export interface HwIssue {
  /** e.g. "population 'conv1'", "synapse group 'fc1'", "readout 0", "network". */
  where: string;
  /** Dotted field, e.g. "profiles[0].vthMant", "weight[12]". */
  field: string;
  value: string;
  /** The rule or range it breaks. */
  limit: string;
  /** More entries of the same field that break the same rule (only the first is described). */
  more: number;
}

export const describeIssue = (i: HwIssue): string =>
  `${i.where}: ${i.field} = ${i.value} ${i.limit}${i.more ? ` (and ${i.more} more in this field)` : ""}`;

/** Collects issues, one per (object, field) with a count of repeats, so a bad array gives one line. */
class Issues {
  readonly list: HwIssue[] = [];
  private readonly byKey = new Map<string, HwIssue>();

  add(where: string, field: string, value: number | string, limit: string): void {
    const base = field.replace(/\[\d+\]/g, "[]");
    const key = `${where}|${base}|${limit.replace(/-?\d+/g, "#")}`;
    const seen = this.byKey.get(key);
    if (seen) {
      seen.more++;
      return;
    }
    const issue = { where, field, value: String(value), limit, more: 0 };
    this.byKey.set(key, issue);
    this.list.push(issue);
  }
}

type Scalarish = number | ArrayLike<number>;
const isInt = (x: number): boolean => Number.isInteger(x);
const valueAt = (x: Scalarish, i: number): number => (typeof x === "number" ? x : x[i]!);
const lengthOf = (x: Scalarish): number => (typeof x === "number" ? 1 : x.length);

function checkPerEntry(is: Issues, where: string, field: string, x: Scalarish | null, n: number, what: string): void {
  if (x === null || typeof x === "number") return;
  if (x.length !== n) is.add(where, `${field}.length`, x.length, `must be ${n} (${what})`);
}

// ---------------------------------------------------------------------------------------------------------------
// Structure

function checkSource(is: Issues, p: HwSourcePopulation): void {
  const where = `population '${p.id}'`;
  const n = populationSize(p);
  if (p.role === "clock" && !p.schedule) is.add(where, "schedule", "null", "must be given for a clock");
  if (p.role === "input" && p.schedule) is.add(where, "schedule", "a schedule", "must be null for an input (its spikes come with each sample)");
  if (p.role === "clock" && p.encoding) is.add(where, "encoding", "an encoding", "is for inputs only");
  if (p.encoding) {
    const e = p.encoding;
    if (!(e.high > e.low)) is.add(where, "encoding.high", e.high, `must exceed encoding.low = ${e.low}`);
    if (!Number.isFinite(e.low) || !Number.isFinite(e.high)) is.add(where, "encoding", `[${e.low}, ${e.high}]`, "must be finite");
    if (!isInt(e.firstTick) || e.firstTick < 0) is.add(where, "encoding.firstTick", e.firstTick, "must be an integer ≥ 0");
    if (!isInt(e.ticksPerWindow) || e.ticksPerWindow < 1) is.add(where, "encoding.ticksPerWindow", e.ticksPerWindow, "must be an integer ≥ 1");
  }
  const s = p.schedule;
  if (!s) return;
  if (s.offsets.length !== n + 1) {
    is.add(where, "schedule.offsets.length", s.offsets.length, `must be ${n + 1} (neurons + 1)`);
    return;
  }
  if (s.offsets[0] !== 0) is.add(where, "schedule.offsets[0]", s.offsets[0]!, "must be 0");
  if (s.offsets[n] !== s.ticks.length) is.add(where, `schedule.offsets[${n}]`, s.offsets[n]!, `must equal schedule.ticks.length = ${s.ticks.length}`);
  for (let i = 0; i < n; i++) {
    const a = s.offsets[i]!;
    const b = s.offsets[i + 1]!;
    if (b < a) is.add(where, `schedule.offsets[${i + 1}]`, b, `must be ≥ offsets[${i}] = ${a}`);
    for (let k = a; k < b && k < s.ticks.length; k++) {
      if (s.ticks[k]! < 0) is.add(where, `schedule.ticks[${k}]`, s.ticks[k]!, `must be ≥ 0 (neuron ${i})`);
      if (k > a && s.ticks[k]! <= s.ticks[k - 1]!) is.add(where, `schedule.ticks[${k}]`, s.ticks[k]!, `must be > the previous tick ${s.ticks[k - 1]} of neuron ${i} (ascending)`);
    }
  }
}

function checkCompartmentStructure(is: Issues, p: HwCompartmentPopulation): void {
  const where = `population '${p.id}'`;
  const n = populationSize(p);
  if (p.profiles.length === 0) is.add(where, "profiles.length", 0, "must be ≥ 1");
  if (p.profiles.length > 256) is.add(where, "profiles.length", p.profiles.length, "must be ≤ 256 (profileOf is 8-bit)");
  p.profiles.forEach((q, k) => {
    if (q.neuron !== p.neuron) is.add(where, `profiles[${k}].neuron`, q.neuron, `must be the population's neuron kind ${p.neuron}`);
    if (q.neuron === "two-phase-b1" && !(q.phase2Start <= q.phase2End))
      is.add(where, `profiles[${k}].phase2End`, q.phase2End, `must be ≥ phase2Start = ${q.phase2Start}`);
  });
  checkPerEntry(is, where, "profileOf", p.profileOf, n, "one per neuron");
  if (p.profileOf) for (let i = 0; i < p.profileOf.length; i++) if (p.profileOf[i]! >= p.profiles.length) is.add(where, `profileOf[${i}]`, p.profileOf[i]!, `must be < profiles.length = ${p.profiles.length}`);
  checkPerEntry(is, where, "biasMant", p.biasMant, n, "one per neuron");
  // The two-phase b1 program has no bias term: a bias there would be ignored silently.
  if (p.neuron === "two-phase-b1" && p.biasMant && p.biasMant.some((b) => b !== 0)) is.add(where, "biasMant", "nonzero", "must be null or 0: a two-phase-b1 neuron has no bias");
  checkPerEntry(is, where, "biasExp", p.biasExp, n, "one per population or per neuron");
  checkPerEntry(is, where, "uInit", p.uInit, n, "one per neuron");
  checkPerEntry(is, where, "vInit", p.vInit, n, "one per neuron");
}

/** Expected output size of a conv, or a reason it is malformed. */
function convGeometry(g: HwSynapseGroup & { kind: "conv" }, src: HwPopulation, dst: HwPopulation): string | null {
  if (src.shape.length !== 3 || dst.shape.length !== 3) return `needs [C, H, W] shapes, got [${src.shape}] → [${dst.shape}]`;
  const [C, H, W] = src.shape as [number, number, number];
  const [Co, Ho, Wo] = dst.shape as [number, number, number];
  const ints = [...g.kernel, ...g.stride, ...g.dilation, g.group];
  if (ints.some((x) => !isInt(x) || x < 1) || g.pads.some((x) => !isInt(x) || x < 0)) return "kernel, stride, dilation, group must be integers ≥ 1 and pads ≥ 0";
  if (C % g.group !== 0 || Co % g.group !== 0) return `group ${g.group} does not divide channels ${C} → ${Co}`;
  const [kh, kw] = g.kernel;
  const hExp = Math.floor((H + g.pads[0] + g.pads[2] - g.dilation[0] * (kh - 1) - 1) / g.stride[0]) + 1;
  const wExp = Math.floor((W + g.pads[1] + g.pads[3] - g.dilation[1] * (kw - 1) - 1) / g.stride[1]) + 1;
  if (hExp !== Ho || wExp !== Wo) return `output ${Ho}×${Wo} but kernel/stride/pads/dilation give ${hExp}×${wExp}`;
  return null;
}

function checkSynapseStructure(is: Issues, g: HwSynapseGroup, pops: Map<string, HwPopulation>): void {
  const where = `synapse group '${g.id}'`;
  const src = pops.get(g.source);
  const dst = pops.get(g.target);
  if (!src) is.add(where, "source", `'${g.source}'`, "must name a population");
  if (!dst) is.add(where, "target", `'${g.target}'`, "must name a population");
  else if (dst.kind !== "compartments") is.add(where, "target", `'${g.target}'`, "must be a compartment population (it is a spike source)");
  if (!src || !dst) return;
  const nS = populationSize(src);
  const nT = populationSize(dst);
  switch (g.kind) {
    case "dense":
      if (g.weight.length !== nS * nT) is.add(where, "weight.length", g.weight.length, `must be ${nT}×${nS} = ${nT * nS} (target × source)`);
      checkPerEntry(is, where, "weightExp", g.weightExp, nT, "one per group or per target neuron");
      checkPerEntry(is, where, "delay", g.delay, nT, "one per group or per target neuron");
      break;
    case "conv": {
      const bad = convGeometry(g, src, dst);
      if (bad) {
        is.add(where, "geometry", `${g.kernel}/${g.stride}/${g.pads}/${g.dilation}`, bad);
        break;
      }
      const [C] = src.shape as [number];
      const [Co] = dst.shape as [number];
      const expected = Co * (C / g.group) * g.kernel[0] * g.kernel[1];
      if (g.weight.length !== expected) is.add(where, "weight.length", g.weight.length, `must be ${expected} ([Cout, C/group, kh, kw])`);
      checkPerEntry(is, where, "weightExp", g.weightExp, Co, "one per group or per output channel");
      break;
    }
    case "sparse": {
      const n = g.pre.length;
      if (g.post.length !== n) is.add(where, "post.length", g.post.length, `must equal pre.length = ${n}`);
      if (g.weight.length !== n) is.add(where, "weight.length", g.weight.length, `must equal pre.length = ${n}`);
      checkPerEntry(is, where, "weightExp", g.weightExp, n, "one per group or per synapse");
      checkPerEntry(is, where, "delay", g.delay, n, "one per group or per synapse");
      for (let k = 0; k < n; k++) {
        if (g.pre[k]! < 0 || g.pre[k]! >= nS) is.add(where, `pre[${k}]`, g.pre[k]!, `must be in 0..${nS - 1} (source '${g.source}')`);
        if (k < g.post.length && (g.post[k]! < 0 || g.post[k]! >= nT)) is.add(where, `post[${k}]`, g.post[k]!, `must be in 0..${nT - 1} (target '${g.target}')`);
      }
      break;
    }
  }
}

/** Structural issues (no target needed). */
export function hwStructureIssues(net: HwNetwork): HwIssue[] {
  const is = new Issues();
  if (net.format !== HW_FORMAT) is.add("network", "format", net.format, `must be ${HW_FORMAT}`);
  if (net.version !== 1) is.add("network", "version", net.version, "must be 1");
  if (!isInt(net.ticks) || net.ticks < 1) is.add("network", "ticks", net.ticks, "must be an integer ≥ 1");
  const pops = new Map<string, HwPopulation>();
  for (const p of net.populations) {
    if (pops.has(p.id)) is.add(`population '${p.id}'`, "id", `'${p.id}'`, "is used by another population");
    pops.set(p.id, p);
    if (p.shape.length === 0 || p.shape.some((d) => !isInt(d) || d < 1)) is.add(`population '${p.id}'`, "shape", `[${p.shape}]`, "must be integers ≥ 1");
    if (p.kind === "source") checkSource(is, p);
    else checkCompartmentStructure(is, p);
  }
  const groupIds = new Set<string>();
  for (const g of net.synapses) {
    if (groupIds.has(g.id)) is.add(`synapse group '${g.id}'`, "id", `'${g.id}'`, "is used by another synapse group");
    groupIds.add(g.id);
    checkSynapseStructure(is, g, pops);
  }
  // Nothing after the last readout is read: a longer run only costs (a hand-edited 10^9 ticks would exhaust memory).
  const lastRead = net.readouts.reduce((m, r) => Math.max(m, isInt(r.tick) ? r.tick : 0), -1);
  if (lastRead >= 0 && isInt(net.ticks) && net.ticks > lastRead + 1) is.add("network", "ticks", net.ticks, `must be ${lastRead + 1}: the last readout is at tick ${lastRead}`);
  net.readouts.forEach((r, k) => {
    const where = `readout ${k} ('${r.population}')`;
    const p = pops.get(r.population);
    if (!p || p.kind !== "compartments") is.add(where, "population", `'${r.population}'`, "must name a compartment population");
    if (!isInt(r.tick) || r.tick < 0 || r.tick >= net.ticks) is.add(where, "tick", r.tick, `must be in 0..${net.ticks - 1} (the simulated ticks)`);
    if (!Number.isFinite(r.scale)) is.add(where, "scale", r.scale, "must be finite");
    if (p && r.offset && r.offset.length !== populationSize(p)) is.add(where, "offset.length", r.offset.length, `must be ${populationSize(p)} (one per neuron)`);
    const bad = r.offset ? r.offset.findIndex((x) => !Number.isFinite(x)) : -1;
    if (bad >= 0) is.add(where, `offset[${bad}]`, r.offset![bad]!, "must be finite");
  });
  return is.list;
}

// ---------------------------------------------------------------------------------------------------------------
// Ranges

function inRange(is: Issues, where: string, field: string, x: number, lo: number, hi: number, what: string): void {
  if (!isInt(x) || x < lo || x > hi) is.add(where, field, x, `outside the target's ${what} ${lo}..${hi}`);
}

function checkProfileRanges(is: Issues, where: string, k: number, q: HwProfile, t: Target): void {
  const f = (name: string) => `profiles[${k}].${name}`;
  const th = t.neuron.threshold;
  inRange(is, where, f("vthMant"), q.vthMant, th.mantissaMin, th.mantissaMax, `${th.mantissaBits}-bit threshold mantissa`);
  if (!t.neuron.vmaxChoices.includes(q.vmax)) is.add(where, f("vmax"), q.vmax, `is not a vmax the target can hold (${formChoices(t.neuron.vmaxChoices)})`);
  if (!t.neuron.vminChoices.includes(q.vmin)) is.add(where, f("vmin"), q.vmin, `is not a vmin the target can hold (${formChoices(t.neuron.vminChoices)})`);
  if (q.neuron === "cuba-lif") {
    const d = t.neuron.decay;
    inRange(is, where, f("decayU"), q.decayU, 0, maxEffectiveDecay(t, "u"), `effective decay (${d.bits}-bit register + offset ${d.offsetU})`);
    inRange(is, where, f("decayV"), q.decayV, 0, maxEffectiveDecay(t, "v"), `effective decay (${d.bits}-bit register + offset ${d.offsetV})`);
    const r = t.neuron.refractory;
    // The register holds refractory + 1 (nengo's convention, see CubaProfile.refractory).
    if (r === null) {
      if (q.refractory !== 0) is.add(where, f("refractory"), q.refractory, `needs a refractory period, which ${t.name} does not have (must be 0)`);
    } else inRange(is, where, f("refractory"), q.refractory, Math.max(0, r.min - 1), r.max - 1, `refractory period (register ${r.min}..${r.max} holds ticks + 1)`);
  } else {
    const vMax = signedMax(t.neuron.state.vBits);
    inRange(is, where, f("ramp"), q.ramp, -vMax, vMax, `${t.neuron.state.vBits}-bit v register`);
  }
}

const formChoices = (c: number[]): string => (c.length <= 4 ? c.join(", ") : `${c[0]}, ${c[1]}, …, ${c[c.length - 1]}`);

function checkCompartmentRanges(is: Issues, p: HwCompartmentPopulation, t: Target): void {
  const where = `population '${p.id}'`;
  if (!t.neuron.models.includes(p.neuron)) is.add(where, "neuron", p.neuron, `is not a neuron ${t.name} can run (it has: ${t.neuron.models.join(", ")})`);
  p.profiles.forEach((q, k) => checkProfileRanges(is, where, k, q, t));
  const b = t.neuron.bias;
  if (p.biasMant) for (let i = 0; i < p.biasMant.length; i++) inRange(is, where, `biasMant[${i}]`, p.biasMant[i]!, -b.mantissaMax, b.mantissaMax, `${b.mantissaBits}-bit signed bias mantissa`);
  for (let i = 0; i < lengthOf(p.biasExp); i++) inRange(is, where, typeof p.biasExp === "number" ? "biasExp" : `biasExp[${i}]`, valueAt(p.biasExp, i), b.expMin, b.expMax, "bias exponent");
  const { uBits, vBits } = t.neuron.state;
  if (p.uInit) for (let i = 0; i < p.uInit.length; i++) inRange(is, where, `uInit[${i}]`, p.uInit[i]!, -(2 ** (uBits - 1)), 2 ** (uBits - 1) - 1, `${uBits}-bit u register`);
  if (p.vInit) for (let i = 0; i < p.vInit.length; i++) inRange(is, where, `vInit[${i}]`, p.vInit[i]!, -(2 ** (vBits - 1)), 2 ** (vBits - 1) - 1, `${vBits}-bit v register`);
}

const fits = (w: ArrayLike<number>, r: WeightRange): number => {
  for (let k = 0; k < w.length; k++) {
    const x = w[k]!;
    if (x < r.min || x > r.max || (x - r.min) % r.step !== 0) return k;
  }
  return -1;
};

function checkSynapseRanges(is: Issues, g: HwSynapseGroup, t: Target): void {
  const where = `synapse group '${g.id}'`;
  const s = t.synapse;
  // The whole group shares one sign mode (a synapse format on the chip): it fits if one of the target's modes holds every weight.
  const modes = s.signModes.filter((m) => s.weightRanges[m]);
  if (modes.length && !modes.some((m) => fits(g.weight, s.weightRanges[m]!) === -1)) {
    let pos = false;
    let neg = false;
    for (let k = 0; k < g.weight.length; k++) (g.weight[k]! > 0 ? (pos = true) : g.weight[k]! < 0 ? (neg = true) : 0);
    const wanted = pos && neg ? "mixed" : pos ? "excitatory" : "inhibitory";
    const mode = modes.includes(wanted) ? wanted : modes.includes("mixed") ? "mixed" : modes[0]!;
    const r = s.weightRanges[mode]!;
    const k = fits(g.weight, r);
    is.add(where, `weight[${k}]`, g.weight[k]!, `outside the target's ${s.weightBits}-bit ${mode} weight mantissas ${r.min}..${r.max}${r.step > 1 ? ` in steps of ${r.step}` : ""}`);
  }
  const e = s.weightExponent ?? { min: 0, max: 0 };
  for (let k = 0; k < lengthOf(g.weightExp); k++) inRange(is, where, typeof g.weightExp === "number" ? "weightExp" : `weightExp[${k}]`, valueAt(g.weightExp, k), e.min, e.max, s.weightExponent ? "weight exponent" : "weight exponent (it has none)");
  // A contribution w · 2^(shift + exp) must be an integer: odd mantissas cannot take shift + exp < 0.
  const minExp = typeof g.weightExp === "number" ? g.weightExp : minOf(g.weightExp);
  if (s.weightShift + minExp < 0) {
    for (let k = 0; k < g.weight.length; k++) {
      const exp = typeof g.weightExp === "number" ? g.weightExp : g.weightExp[g.kind === "sparse" ? k : Math.floor(k / (g.weight.length / g.weightExp.length))]!;
      if (!isInt(g.weight[k]! * 2 ** (s.weightShift + exp))) is.add(where, `weight[${k}]`, g.weight[k]!, `· 2^(${s.weightShift} + ${exp}) is not an integer contribution`);
    }
  }
  const d = s.delay ?? { min: 0, max: 0 };
  for (let k = 0; k < lengthOf(g.delay); k++) inRange(is, where, typeof g.delay === "number" ? "delay" : `delay[${k}]`, valueAt(g.delay, k), d.min, d.max, s.delay ? "synaptic delay (longer delays need relay neurons)" : "synaptic delay (it has none)");
}

/** Every structural issue, then every integer outside the target's ranges. Empty = the network is valid for `target`. */
export function hwIssues(net: HwNetwork, target: Target): HwIssue[] {
  const structure = hwStructureIssues(net);
  const is = new Issues();
  if (net.target !== target.id) is.add("network", "target", `'${net.target}'`, `differs from the target checked against ('${target.id}')`);
  for (const p of net.populations) if (p.kind === "compartments") checkCompartmentRanges(is, p, target);
  for (const g of net.synapses) checkSynapseRanges(is, g, target);
  return [...structure, ...is.list];
}

const HAND_EDITED = "re-run the lowering (spikec compile … --target ID); a hand-edited hw.json must keep these limits";

function throwIssues(issues: HwIssue[], what: string, hint = HAND_EDITED, exitCode = 2): void {
  if (issues.length === 0) return;
  const shown = issues.slice(0, 12).map((i) => `  ${describeIssue(i)}`);
  if (issues.length > shown.length) shown.push(`  … and ${issues.length - shown.length} more`);
  if (exitCode === 2) throw new InputError(`${what}:\n${shown.join("\n")}`, hint);
  throw new SpikecError(`${what}:\n${shown.join("\n")}`, hint, exitCode);
}

/**
 * The lowering's own output checked against the target: a value outside it means the target has a limit the
 * lowering does not honour (a lower bound or step the bundled chips do not have), not a damaged file.
 */
export function verifyLoweredNetwork(net: HwNetwork, target: Target): void {
  throwIssues(
    hwIssues(net, target),
    `spikec's lowering cannot meet ${target.name}'s limits (${target.file})`,
    "the lowering targets Loihi-like ranges (delays and refractory periods from 0 or 1, weight steps of 1 or 2): use a target file with such ranges",
    3,
  );
}

/** Throws an InputError listing the structural issues. */
export function verifyHwStructure(net: HwNetwork): void {
  throwIssues(hwStructureIssues(net), "the HW IR is malformed");
}

/** Throws an InputError listing every issue against `target` (structure and ranges). */
export function verifyHwNetwork(net: HwNetwork, target: Target): void {
  throwIssues(hwIssues(net, target), `the HW IR does not fit ${target.name}`);
}
