/**
 * Clock signals of the NIR export: NIR has no timer, source or time-dependent bias, so events at fixed times of
 * the TTFS dynamics (the integration bias switched on at t0, virtual padded inputs at t1, the forced spike at t2,
 * b1's firing phase [t1, t2)) come from clock neurons: an IF driven by a constant current of 1, threshold t, fires
 * once at exactly t (v(t) = t). Its Dirac spike, weighted per neuron, either jumps a membrane directly (an edge
 * into an IF) or, through an `I` node, becomes a step current H(t − t_c) whose weight is a ramp's slope.
 *
 * The constant current is the bias of a zero-weight map of the `Input` (the only source NIR has): a Conv2d with
 * a 1×1 zero kernel and stride H×W for an image input ([1,1,1]), an Affine with zero weights for a vector ([1]).
 * A clock's spike reaches a population of shape [C,H,W] through a Conv2d whose [C,1,H,W] kernel holds one weight
 * per neuron (1×1 input, padding H−1 × W−1: output (y, x) reads tap (H−1−y, W−1−x)); of shape [n] through a
 * Linear [n,1].
 */
import { product } from "../ann/graph.js";
import { SpikecError } from "../util/errors.js";
import { ExportBuilder, full } from "./export-builder.js";
import { affine } from "./nodes/affine.js";
import { conv2d } from "./nodes/conv2d.js";
import { flatten } from "./nodes/flatten.js";
import { ifNeuron } from "./nodes/if.js";
import { integrator } from "./nodes/integrator.js";
import { linear } from "./nodes/linear.js";
import { f64 } from "./tensor.js";
import { FIRE_ONCE_V_RESET } from "./ttfs-profile.js";

type Rank = 1 | 3;

export class Clocks {
  private driveNode = new Map<Rank, string>();
  private spikeNode = new Map<string, string>();
  private stepNode = new Map<string, string>();
  private count = 0;

  constructor(
    private readonly b: ExportBuilder,
    private readonly inputNode: string,
    private readonly inputShape: readonly number[],
  ) {}

  private rankOf(shape: readonly number[], what: string): Rank {
    if (shape.length === 1) return 1;
    if (shape.length === 3 && this.inputShape.length === 3) return 3;
    throw new SpikecError(
      `NIR export: ${what} has shape [${shape.join(", ")}] with an input of shape [${this.inputShape.join(", ")}]; the clock signals of the TTFS profile reach only [n] populations, or [C,H,W] ones under an image input`,
      "keep this network in spikec's own format (network.json)",
    );
  }

  /** The constant current 1, shape [1,1,1] (rank 3) or [1] (rank 1). */
  private drive(rank: Rank): string {
    const known = this.driveNode.get(rank);
    if (known) return known;
    let name: string;
    if (rank === 3) {
      const [c, h, w] = this.inputShape as [number, number, number];
      name = this.b.add("clock_drive", conv2d({ weight: full([1, c, 1, 1], 0), bias: full([1], 1), stride: [h, w], padding: [0, 0], dilation: [1, 1], groups: 1, input_shape: [h, w] }));
    } else {
      name = this.b.add("clock_drive", affine(full([1, product(this.inputShape)], 0), full([1], 1)));
    }
    this.b.edge(this.inputNode, name);
    this.driveNode.set(rank, name);
    return name;
  }

  /** A node emitting one Dirac spike at time t, shape [1,1,1] or [1]. */
  spike(t: number, rank: Rank): string {
    const key = `${t}:${rank}`;
    const known = this.spikeNode.get(key);
    if (known) return known;
    let name: string;
    if (rank === 1 && this.inputShape.length === 3) {
      name = this.b.add(`${this.spike(t, 3)}_flat`, flatten({ start_dim: 0, end_dim: -1, input_type: [1, 1, 1] }));
      this.b.edge(this.spike(t, 3), name);
    } else {
      const shape = rank === 3 ? [1, 1, 1] : [1];
      name = this.b.add(`clock_${this.count++}`, ifNeuron({ r: full(shape, 1), v_threshold: full(shape, t), v_reset: full(shape, FIRE_ONCE_V_RESET) }));
      this.b.nodes.get(name)!.metadata = { spikec_clock: { time: t } };
      this.b.edge(this.drive(rank), name);
    }
    this.spikeNode.set(key, name);
    return name;
  }

  /** A node whose output is the step H(τ − t), shape [1,1,1] or [1]. */
  step(t: number, rank: Rank): string {
    const key = `${t}:${rank}`;
    const known = this.stepNode.get(key);
    if (known) return known;
    const shape = rank === 3 ? [1, 1, 1] : [1];
    const name = this.b.add(`${this.spike(t, rank)}_step`, integrator({ r: full(shape, 1) }));
    this.b.edge(this.spike(t, rank), name);
    this.stepNode.set(key, name);
    return name;
  }

  /** One weight per neuron of `shape` applied to a clock node's [1,1,1] / [1] signal. */
  private broadcast(from: string, rank: Rank, weights: Float64Array, shape: readonly number[], base: string): string {
    if (rank === 1) {
      const name = this.b.add(base, linear(f64(weights, [weights.length, 1])));
      this.b.edge(from, name);
      return name;
    }
    const [c, h, w] = shape as [number, number, number];
    const k = new Float64Array(c * h * w);
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) k[(ch * h + (h - 1 - y)) * w + (w - 1 - x)] = weights[(ch * h + y) * w + x]!;
    const name = this.b.add(base, conv2d({ weight: f64(k, [c, 1, h, w]), bias: full([c], 0), stride: [1, 1], padding: [h - 1, w - 1], dilation: [1, 1], groups: 1, input_shape: [1, 1] }));
    this.b.edge(from, name);
    return name;
  }

  /** target receives the current weights·H(τ − t): a ramp weights·[τ − t]_+ of its membrane. */
  ramp(t: number, weights: Float64Array, shape: readonly number[], target: string, base: string): void {
    const rank = this.rankOf(shape, `'${target}'`);
    this.b.edge(this.broadcast(this.step(t, rank), rank, weights, shape, base), target);
  }

  /** target receives weights·δ(τ − t): a jump of its membrane at t (of its input, for a non-neuron target). */
  dirac(t: number, weights: Float64Array, shape: readonly number[], target: string, base: string): void {
    const rank = this.rankOf(shape, `'${target}'`);
    this.b.edge(this.broadcast(this.spike(t, rank), rank, weights, shape, base), target);
  }
}
