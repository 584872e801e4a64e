/**
 * Places a compiled program's delay rings and its SIMD projections' operands in one instance of the cycle SIMD
 * kernels (./simd.ts), once, for the program's lifetime: a spike then costs one call with byte addresses and no
 * copying. The rings become Float64Array views of that memory (the engine reads and clears them as before); the
 * memory is sized before any view is made, so no grow detaches one.
 * Each ring's block flags and list of neurons with input go there too (the engine's scan for input, ./simd.ts scan),
 * and a plain cuba or b1 population's state (u, v, last, stamp, vmin, vmax and the list of neurons left to the
 * engine; for b1 also latched and phase2Start: the dense tick, ./simd.ts denseTick).
 * SIMD forms: conv projections with column stride and dilation 1 (a source column's taps hit a contiguous run of
 * output columns), and dense rows of at least DENSE_SIMD_MIN targets (shorter rows cost less in JS than the call).
 */
import { CONV, DENSE, type Projection, type RingTarget } from "./projections.js";
import { CYCLE_SIMD_MAX_BYTES, cycleSimdAvailable, instantiateCycleKernels, type CycleKernels } from "./simd.js";

/** Dense rows shorter than this stay in JS. */
export const DENSE_SIMD_MIN = 32;

const align16 = (bytes: number): number => (bytes + 15) & ~15;

/** A ring with what the SIMD scan for input uses (the engine's Compartments). */
export interface PlacedRing extends RingTarget {
  /** Scratch: neurons with input at the current tick. */
  arrived: Int32Array;
  /** Byte address of arrived in the kernel memory, or −1. */
  arrivedAddr: number;
  /** A plain cuba or b1 population: its state goes there too, for the dense tick (./simd.ts denseTick). */
  readonly plainCuba: boolean;
  readonly b1: boolean;
  u: Float64Array;
  v: Float64Array;
  last: Int32Array;
  stamp: Int32Array;
  /** The dense tick's list of neurons left to the engine; the clip range; for b1, what it reads besides. */
  slow: Int32Array;
  vmin: Float64Array;
  vmax: Float64Array;
  latched: Uint8Array;
  phase2Start: Int32Array;
  /** Byte addresses of the placed arrays in the kernel memory, or null (not placed). */
  stateAddr: StateAddresses | null;
}

/** Byte addresses of a population's placed state (latched and phase2Start −1 for plain cuba: ./simd.ts denseTick). */
export interface StateAddresses {
  u: number;
  v: number;
  last: number;
  stamp: number;
  slow: number;
  latched: number;
  phase2Start: number;
  vmin: number;
  vmax: number;
}

const simdConv = (p: Projection): boolean => p.kind === CONV && p.unitColumns;
const simdDense = (p: Projection): boolean => p.kind === DENSE && p.nTarget >= DENSE_SIMD_MIN;

/**
 * Moves every ring of `rings` and the operands of every SIMD-able projection into a new kernel instance and returns
 * it; null (everything stays in JS) without SIMD, without a SIMD-able projection, or above CYCLE_SIMD_MAX_BYTES.
 */
export function layoutCycleMemory(rings: PlacedRing[], projections: Projection[]): CycleKernels | null {
  if (!cycleSimdAvailable) return null;
  const conv = projections.filter(simdConv);
  const dense = projections.filter(simdDense);
  if (conv.length + dense.length === 0) return null;
  // the dense ticks' counters, then per ring
  let bytes = 64;
  // + 32 entries: the scan reads whole blocks of 32 past a ring's last neuron
  for (const r of rings) bytes += align16((r.ring.length + 32) * 8) + align16(r.blockFlag.length) + align16(r.arrived.length * 4);
  for (const r of rings) if (r.plainCuba || r.b1) bytes += 4 * align16(r.n * 8) + 3 * align16(r.n * 4);
  for (const r of rings) if (r.b1) bytes += align16(r.n * 4) + align16(r.n);
  for (const p of conv) bytes += align16(p.kernel.length * 8) + align16(p.rowK.length * 8);
  for (const p of dense) bytes += align16(p.dense.length * 8);
  if (bytes > CYCLE_SIMD_MAX_BYTES) return null;
  let kernels: CycleKernels;
  try {
    kernels = instantiateCycleKernels(bytes);
  } catch {
    return null; // no memory of that size (e.g. address space used up by other instances): the JS delivery
  }
  const { buffer } = kernels.memory;
  let at = 0;
  const takeBytes = (bytes: number): number => {
    const addr = at;
    at += align16(bytes);
    return addr;
  };
  const take = (n8: number): number => takeBytes(n8 * 8);
  kernels.denseStats = takeBytes(64);
  for (const r of rings) {
    const addr = take(r.ring.length + 32);
    const view = new Float64Array(buffer, addr, r.ring.length);
    view.set(r.ring);
    r.ring = view;
    r.ringAddr = addr;
    r.flagAddr = takeBytes(r.blockFlag.length);
    const flags = new Uint8Array(buffer, r.flagAddr, r.blockFlag.length);
    flags.set(r.blockFlag);
    r.blockFlag = flags;
    r.arrivedAddr = takeBytes(r.arrived.length * 4);
    r.arrived = new Int32Array(buffer, r.arrivedAddr, r.arrived.length);
    if (!r.plainCuba && !r.b1) continue;
    const place = <A extends Float64Array | Int32Array | Uint8Array>(a: A, make: (addr: number) => A): [A, number] => {
      const addr = takeBytes(a.byteLength);
      const view = make(addr);
      view.set(a as ArrayLike<number> & A);
      return [view, addr];
    };
    const f64 = (a: number) => new Float64Array(buffer, a, r.n);
    const i32 = (a: number) => new Int32Array(buffer, a, r.n);
    const [u, uAddr] = place(r.u, f64);
    const [v, vAddr] = place(r.v, f64);
    const [last, lastAddr] = place(r.last, i32);
    const [stamp, stampAddr] = place(r.stamp, i32);
    const [slow, slowAddr] = place(new Int32Array(r.n), i32);
    const [vmin, vminAddr] = place(r.vmin, f64);
    const [vmax, vmaxAddr] = place(r.vmax, f64);
    Object.assign(r, { u, v, last, stamp, slow, vmin, vmax });
    const at: StateAddresses = { u: uAddr, v: vAddr, last: lastAddr, stamp: stampAddr, slow: slowAddr, vmin: vminAddr, vmax: vmaxAddr, latched: -1, phase2Start: -1 };
    if (r.b1) {
      let latched: Uint8Array, phase2Start: Int32Array;
      [latched, at.latched] = place(r.latched, (a) => new Uint8Array(buffer, a, r.n));
      [phase2Start, at.phase2Start] = place(r.phase2Start, i32);
      Object.assign(r, { latched, phase2Start });
    }
    r.stateAddr = at;
  }
  for (const p of conv) {
    // kernel [ci][ky][kx][co] → [ci][ky][co][kw − 1 − kx]
    p.simdKernel = take(p.kernel.length);
    const ker = new Float64Array(buffer, p.simdKernel, p.kernel.length);
    const { kh, kw, coutG } = p;
    const cin = p.kernel.length / (kh * kw * coutG);
    for (let ci = 0; ci < cin; ci++)
      for (let ky = 0; ky < kh; ky++)
        for (let kx = 0; kx < kw; kx++)
          for (let co = 0; co < coutG; co++) ker[((ci * kh + ky) * coutG + co) * kw + (kw - 1 - kx)] = p.kernel[((ci * kh + ky) * kw + kx) * coutG + co]!;
    // per row pair: (kernel row, output row) byte offsets
    p.simdPairs = take(p.rowK.length);
    const pairs = new Int32Array(buffer, p.simdPairs, 2 * p.rowK.length);
    for (let a = 0; a < p.rowK.length; a++) {
      pairs[2 * a] = p.rowK[a]! * coutG * kw * 8;
      pairs[2 * a + 1] = p.rowO[a]! * p.Wo * 8;
    }
  }
  for (const p of dense) {
    p.simdDense = take(p.dense.length);
    const view = new Float64Array(buffer, p.simdDense, p.dense.length);
    view.set(p.dense);
    p.dense = view;
  }
  return kernels;
}
