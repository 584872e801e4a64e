/**
 * WebAssembly SIMD (f64x2) kernels for the cycle engine's spike delivery (./projections.ts): a conv spike's
 * contributions and a dense row added into a delay ring; and its dense tick (denseTick: a plain cuba or b1
 * population's neurons stepped two at a time in the common case — nothing clips, no register limit is hit, no spike,
 * b1 still integrating — and the other pairs listed for the engine's JS pass, the one implementation of the tick
 * rule). The same pattern as src/ann/kernels/simd.ts: the source is
 * the WAT text below, its binary encoding is embedded (WASM_BASE64, checked against WAT by
 * test/sim/cycle/simd.test.ts, which assembles it with wabt), and the JS delivery stays the fallback (no SIMD in the
 * runtime, or SPIKEC_SIMD=0).
 *
 * Bit-identical to the JS delivery: every ring entry gets the same float64 adds of the same integer contributions
 * (exact below 2^53, so even the order is free); SIMD only does two adjacent entries per instruction. Adjacent
 * entries are adjacent output columns: for a conv with column stride and dilation 1, the taps of one source column
 * hit a contiguous run of output columns, so the kernel is stored with its columns reversed (./simd-layout.ts) and a
 * run is a plain vector add.
 *
 * Memory: one instance per compiled program (its own linear memory, made at its final size and never grown),
 * holding every ring and the operands of the SIMD projections for the program's lifetime; the engine reads the rings
 * through Float64Array views.
 */

export const WAT = String.raw`
(module
  ;; Imported at its final size: a grow would detach the old buffer (see instantiateCycleKernels).
  (import "env" "memory" (memory 1))
  ;; For each of nPairs (kernel row, output row) pairs — i32 byte offsets (k, r) at pairs — and each of nCo output
  ;; channels: ring[r .. r + n) += ker[k .. k + n) (f64), then r += plane and k += kStride (bytes) for the next channel.
  ;; Then the input flags: per channel, the bytes flags[lo >> 5 .. hi >> 5] = 1, lo and hi (neuron indices of the
  ;; channel's first and last target) advancing by plane / 8 per channel.
  (func (export "conv") (param $ring i32) (param $ker i32) (param $pairs i32) (param $nPairs i32) (param $nCo i32)
        (param $plane i32) (param $kStride i32) (param $n i32) (param $flags i32) (param $lo i32) (param $hi i32)
    (local $end i32) (local $k i32) (local $r i32) (local $c i32) (local $i i32) (local $vecEnd i32) (local $bytes i32)
    (local $b i32) (local $bEnd i32)
    (local.set $bytes (i32.shl (local.get $n) (i32.const 3)))
    (local.set $vecEnd (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3)))
    (local.set $end (i32.add (local.get $pairs) (i32.shl (local.get $nPairs) (i32.const 3))))
    (block $pairsDone
      (loop $pairsLoop
        (br_if $pairsDone (i32.ge_u (local.get $pairs) (local.get $end)))
        (local.set $k (i32.add (local.get $ker) (i32.load (local.get $pairs))))
        (local.set $r (i32.add (local.get $ring) (i32.load offset=4 (local.get $pairs))))
        (local.set $c (local.get $nCo))
        (block $chDone
          (loop $chLoop
            (br_if $chDone (i32.eqz (local.get $c)))
            (local.set $i (i32.const 0))
            (block $vecDone
              (loop $vecLoop
                (br_if $vecDone (i32.ge_u (local.get $i) (local.get $vecEnd)))
                (v128.store (i32.add (local.get $r) (local.get $i))
                  (f64x2.add (v128.load (i32.add (local.get $r) (local.get $i))) (v128.load (i32.add (local.get $k) (local.get $i)))))
                (local.set $i (i32.add (local.get $i) (i32.const 16)))
                (br $vecLoop)))
            (if (i32.lt_u (local.get $i) (local.get $bytes)) (then
              (f64.store (i32.add (local.get $r) (local.get $i))
                (f64.add (f64.load (i32.add (local.get $r) (local.get $i))) (f64.load (i32.add (local.get $k) (local.get $i)))))))
            (local.set $r (i32.add (local.get $r) (local.get $plane)))
            (local.set $k (i32.add (local.get $k) (local.get $kStride)))
            (local.set $c (i32.sub (local.get $c) (i32.const 1)))
            (br $chLoop)))
        (local.set $pairs (i32.add (local.get $pairs) (i32.const 8)))
        (br $pairsLoop)))
    (local.set $c (local.get $nCo))
    (block $flagsDone
      (loop $flagsLoop
        (br_if $flagsDone (i32.eqz (local.get $c)))
        (local.set $b (i32.add (local.get $flags) (i32.shr_s (local.get $lo) (i32.const 5))))
        (local.set $bEnd (i32.add (local.get $flags) (i32.shr_s (local.get $hi) (i32.const 5))))
        (block $blocksDone
          (loop $blocksLoop
            (br_if $blocksDone (i32.gt_s (local.get $b) (local.get $bEnd)))
            (i32.store8 (local.get $b) (i32.const 1))
            (local.set $b (i32.add (local.get $b) (i32.const 1)))
            (br $blocksLoop)))
        (local.set $lo (i32.add (local.get $lo) (i32.shr_u (local.get $plane) (i32.const 3))))
        (local.set $hi (i32.add (local.get $hi) (i32.shr_u (local.get $plane) (i32.const 3))))
        (local.set $c (i32.sub (local.get $c) (i32.const 1)))
        (br $flagsLoop))))

  ;; The neurons with nonzero input in a ring slot (ring: its entry 0), in ascending order, written to out (i32);
  ;; returns their count. Only blocks of 32 neurons whose flag (a byte at flags + block) is set are read, and their
  ;; flags cleared. Reads whole blocks: a ring needs 32 entries of readable memory after its last slot.
  (func (export "scan") (param $ring i32) (param $flags i32) (param $blocks i32) (param $n i32) (param $out i32) (result i32)
    (local $b i32) (local $p i32) (local $j i32) (local $mask i32) (local $lim i32) (local $count i32)
    (block $blocksDone
      (loop $blocksLoop
        (br_if $blocksDone (i32.ge_u (local.get $b) (local.get $blocks)))
        (if (i32.load8_u (i32.add (local.get $flags) (local.get $b))) (then
          (i32.store8 (i32.add (local.get $flags) (local.get $b)) (i32.const 0))
          (local.set $p (i32.add (local.get $ring) (i32.shl (local.get $b) (i32.const 8))))
          (local.set $mask (i32.const 0))
          (local.set $j (i32.const 0))
          (block $pairsDone
            (loop $pairsLoop
              (br_if $pairsDone (i32.ge_u (local.get $j) (i32.const 32)))
              (local.set $mask (i32.or (local.get $mask)
                (i32.shl (i64x2.bitmask (f64x2.ne (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 3)))) (v128.const f64x2 0 0)))
                  (local.get $j))))
              (local.set $j (i32.add (local.get $j) (i32.const 2)))
              (br $pairsLoop)))
          (local.set $lim (i32.sub (local.get $n) (i32.shl (local.get $b) (i32.const 5))))
          (if (i32.lt_u (local.get $lim) (i32.const 32)) (then
            (local.set $mask (i32.and (local.get $mask) (i32.sub (i32.shl (i32.const 1) (local.get $lim)) (i32.const 1))))))
          (block $bitsDone
            (loop $bitsLoop
              (br_if $bitsDone (i32.eqz (local.get $mask)))
              (i32.store (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 2)))
                (i32.add (i32.shl (local.get $b) (i32.const 5)) (i32.ctz (local.get $mask))))
              (local.set $count (i32.add (local.get $count) (i32.const 1)))
              (local.set $mask (i32.and (local.get $mask) (i32.sub (local.get $mask) (i32.const 1))))
              (br $bitsLoop)))))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $blocksLoop)))
    (local.get $count))

  ;; ring[0 .. n) += row[0 .. n) (f64; byte addresses).
  (func (export "dense") (param $ring i32) (param $row i32) (param $n i32)
    (local $i i32) (local $vecEnd i32) (local $bytes i32)
    (local.set $bytes (i32.shl (local.get $n) (i32.const 3)))
    (local.set $vecEnd (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3)))
    (block $vecDone
      (loop $vecLoop
        (br_if $vecDone (i32.ge_u (local.get $i) (local.get $vecEnd)))
        (v128.store (i32.add (local.get $ring) (local.get $i))
          (f64x2.add (v128.load (i32.add (local.get $ring) (local.get $i))) (v128.load (i32.add (local.get $row) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vecLoop)))
    (if (i32.lt_u (local.get $i) (local.get $bytes)) (then
      (f64.store (i32.add (local.get $ring) (local.get $i))
        (f64.add (f64.load (i32.add (local.get $ring) (local.get $i))) (f64.load (i32.add (local.get $row) (local.get $i))))))))

  ;; A dense tick of a plain cuba or b1 population of n neurons (engine.ts runCycle), the common case only: two
  ;; neurons per step, both with q, u and v inside their registers over the ticks slept (v += u each) and this one
  ;; (u += q, v += u), and neither firing (v > th, or v ≥ th with ge; b1 passes th = +∞) nor, for b1 (p2s ≥ 0), done
  ;; integrating (latched, or t ≥ phase2Start). A pair with anything else, and an odd last neuron, is listed at slow
  ;; (untouched) for the engine's JS pass, the one implementation of the whole tick rule. Byte addresses: ring (the
  ;; tick's slot), u, v, vmin, vmax (f64), last, stamp, p2s (i32; −1: plain cuba), latched (u8), slow (i32); counters
  ;; (f64) at stats: [0] updates, [1] jumps. Returns the slow count.
  (func (export "denseTick") (param $ring i32) (param $u i32) (param $v i32) (param $vmin i32) (param $vmax i32) (param $last i32)
        (param $stamp i32) (param $p2s i32) (param $latched i32) (param $n i32) (param $t i32) (param $qH f64) (param $uH f64)
        (param $th f64) (param $ge i32) (param $slow i32) (param $stats i32) (result i32)
    (local $i i32) (local $i4 i32) (local $i8 i32) (local $pairs i32) (local $jumps i32) (local $nSlow i32) (local $tt i64)
    (local $q v128) (local $u0 v128) (local $K v128) (local $un v128) (local $vk v128) (local $vn v128) (local $lo v128) (local $hi v128)
    (local.set $tt (i64.or (i64.extend_i32_u (local.get $t)) (i64.shl (i64.extend_i32_u (local.get $t)) (i64.const 32))))
    (block $done
      (loop $step
        (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 2)) (local.get $n)))
        (local.set $i4 (i32.shl (local.get $i) (i32.const 2)))
        (local.set $i8 (i32.shl (local.get $i) (i32.const 3)))
        (local.set $q (v128.load (i32.add (local.get $ring) (local.get $i8))))
        (local.set $u0 (v128.load (i32.add (local.get $u) (local.get $i8))))
        (local.set $lo (v128.load (i32.add (local.get $vmin) (local.get $i8))))
        (local.set $hi (v128.load (i32.add (local.get $vmax) (local.get $i8))))
        (local.set $K (i32x4.sub (i32x4.splat (i32.sub (local.get $t) (i32.const 1)))
          (v128.load64_zero (i32.add (local.get $last) (local.get $i4)))))
        (local.set $un (f64x2.add (local.get $u0) (local.get $q)))
        (local.set $vk (f64x2.add (v128.load (i32.add (local.get $v) (local.get $i8)))
          (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $K)) (local.get $u0))))
        (local.set $vn (f64x2.add (local.get $vk) (local.get $un)))
        (if (i32.or
              (if (result i32) (i32.lt_s (local.get $p2s) (i32.const 0))
                (then (i32.const 0))
                (else (i32.or
                  (i32.load16_u (i32.add (local.get $latched) (local.get $i)))
                  (i32.or (i32.le_s (i32.load (i32.add (local.get $p2s) (local.get $i4))) (local.get $t))
                          (i32.le_s (i32.load offset=4 (i32.add (local.get $p2s) (local.get $i4))) (local.get $t))))))
              (v128.any_true (v128.or
                (v128.or
                  (v128.or (f64x2.ge (local.get $q) (f64x2.splat (local.get $qH))) (f64x2.lt (local.get $q) (f64x2.splat (f64.neg (local.get $qH)))))
                  (v128.or (f64x2.ge (local.get $un) (f64x2.splat (local.get $uH))) (f64x2.lt (local.get $un) (f64x2.splat (f64.neg (local.get $uH))))))
                (v128.or
                  (v128.or (f64x2.gt (local.get $vk) (local.get $hi)) (f64x2.lt (local.get $vk) (local.get $lo)))
                  (v128.or
                    (v128.or (f64x2.gt (local.get $vn) (local.get $hi)) (f64x2.lt (local.get $vn) (local.get $lo)))
                    (v128.bitselect (f64x2.ge (local.get $vn) (f64x2.splat (local.get $th))) (f64x2.gt (local.get $vn) (f64x2.splat (local.get $th)))
                      (i64x2.splat (i64.extend_i32_s (i32.sub (i32.const 0) (local.get $ge))))))))))
          (then
            (i32.store (i32.add (local.get $slow) (i32.shl (local.get $nSlow) (i32.const 2))) (local.get $i))
            (i32.store offset=4 (i32.add (local.get $slow) (i32.shl (local.get $nSlow) (i32.const 2))) (i32.add (local.get $i) (i32.const 1)))
            (local.set $nSlow (i32.add (local.get $nSlow) (i32.const 2))))
          (else
            ;; A jump (K > 0 in lanes 0 and 1) is counted; K = 0 left v as it was (v + 0·u = v).
            (local.set $jumps (i32.add (local.get $jumps)
              (i32.popcnt (i32.and (i32x4.bitmask (i32x4.gt_s (local.get $K) (i32x4.splat (i32.const 0)))) (i32.const 3)))))
            (local.set $pairs (i32.add (local.get $pairs) (i32.const 1)))
            (v128.store (i32.add (local.get $u) (local.get $i8)) (local.get $un))
            (v128.store (i32.add (local.get $v) (local.get $i8)) (local.get $vn))
            (v128.store (i32.add (local.get $ring) (local.get $i8)) (v128.const i64x2 0 0))
            (i64.store (i32.add (local.get $last) (local.get $i4)) (local.get $tt))
            (i64.store (i32.add (local.get $stamp) (local.get $i4)) (local.get $tt))))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $step)))
    (if (i32.lt_u (local.get $i) (local.get $n)) (then
      (i32.store (i32.add (local.get $slow) (i32.shl (local.get $nSlow) (i32.const 2))) (local.get $i))
      (local.set $nSlow (i32.add (local.get $nSlow) (i32.const 1)))))
    (f64.store (local.get $stats) (f64.add (f64.load (local.get $stats)) (f64.convert_i32_u (i32.shl (local.get $pairs) (i32.const 1)))))
    (f64.store offset=8 (local.get $stats) (f64.add (f64.load offset=8 (local.get $stats)) (f64.convert_i32_u (local.get $jumps))))
    (local.get $nSlow))
)
`;

/** The kernels of one instance (byte addresses into `memory`). */
export interface CycleKernels {
  conv(ring: number, ker: number, pairs: number, nPairs: number, nCo: number, plane: number, kStride: number, n: number, flags: number, lo: number, hi: number): void;
  dense(ring: number, row: number, n: number): void;
  scan(ring: number, flags: number, blocks: number, n: number, out: number): number;
  denseTick(
    ring: number, u: number, v: number, vmin: number, vmax: number, last: number, stamp: number, p2s: number, latched: number, n: number, t: number,
    qH: number, uH: number, th: number, ge: number, slow: number, stats: number,
  ): number;
  memory: { buffer: ArrayBuffer };
  /** Byte address of denseTick's counters (2 f64), placed by ./simd-layout.ts; −1 until then. */
  denseStats: number;
}

/** The WebAssembly API (a global of Node; not in this project's ES lib typings). */
const wasm = (globalThis as unknown as {
  WebAssembly: {
    Module: new (bytes: Uint8Array) => object;
    Instance: new (module: object, imports: object) => { exports: object };
    Memory: new (d: { initial: number }) => { buffer: ArrayBuffer };
  };
}).WebAssembly;

/**
 * WAT assembled (wabt's wat2wasm with SIMD; 1254 bytes). test/sim/cycle/simd.test.ts assembles WAT again and fails with the new
 * encoding if the two differ: edit WAT, then paste the encoding the test prints here.
 */
const WASM_BASE64 = [
  "AGFzbQEAAAABMwRgC39/f39/f39/f39/AGAFf39/f38Bf2ADf39/AGARf39/f39/f39/f398fHx/f38BfwIPAQNlbnYGbWVtb3J5AgAB",
  "AwUEAAECAwcjBARjb252AAAEc2NhbgABBWRlbnNlAAIJZGVuc2VUaWNrAAMK6QgEpQIBCX8gB0EDdCERIAdBfnFBA3QhECACIANBA3Rq",
  "IQsCQANAIAIgC08NASABIAIoAgBqIQwgACACKAIEaiENIAQhDgJAA0AgDkUNAUEAIQ8CQANAIA8gEE8NASANIA9qIA0gD2r9AAQAIAwg",
  "D2r9AAQA/fAB/QsEACAPQRBqIQ8MAAsLIA8gEUkEQCANIA9qIA0gD2orAwAgDCAPaisDAKA5AwALIA0gBWohDSAMIAZqIQwgDkEBayEO",
  "DAALCyACQQhqIQIMAAsLIAQhDgJAA0AgDkUNASAIIAlBBXVqIRIgCCAKQQV1aiETAkADQCASIBNKDQEgEkEBOgAAIBJBAWohEgwACwsg",
  "CSAFQQN2aiEJIAogBUEDdmohCiAOQQFrIQ4MAAsLC9UBAQZ/AkADQCAFIAJPDQEgASAFai0AAARAIAEgBWpBADoAACAAIAVBCHRqIQZB",
  "ACEIQQAhBwJAA0AgB0EgTw0BIAggBiAHQQN0av0ABAD9DAAAAAAAAAAAAAAAAAAAAAD9SP3EASAHdHIhCCAHQQJqIQcMAAsLIAMgBUEF",
  "dGshCSAJQSBJBEAgCEEBIAl0QQFrcSEICwJAA0AgCEUNASAEIApBAnRqIAVBBXQgCGhqNgIAIApBAWohCiAIIAhBAWtxIQgMAAsLCyAF",
  "QQFqIQUMAAsLIAoLagEDfyACQQN0IQUgAkF+cUEDdCEEAkADQCADIARPDQEgACADaiAAIANq/QAEACABIANq/QAEAP3wAf0LBAAgA0EQ",
  "aiEDDAALCyADIAVJBEAgACADaiAAIANqKwMAIAEgA2orAwCgOQMACwv9AwMGfwF+CHsgCq0gCq1CIIaEIRcCQANAIBFBAmogCUsNASAR",
  "QQJ0IRIgEUEDdCETIAAgE2r9AAQAIRggASATav0ABAAhGSADIBNq/QAEACEeIAQgE2r9AAQAIR8gCkEBa/0RIAUgEmr9XQMA/bEBIRog",
  "GSAY/fABIRsgAiATav0ABAAgGv3+ASAZ/fIB/fABIRwgHCAb/fABIR0gB0EASAR/QQAFIAggEWovAQAgByASaigCACAKTCAHIBJqKAIE",
  "IApMcnILIBggC/0U/UwgGCALmv0U/Un9UCAbIAz9FP1MIBsgDJr9FP1J/VD9UCAcIB/9SiAcIB79Sf1QIB0gH/1KIB0gHv1J/VAgHSAN",
  "/RT9TCAdIA39FP1KQQAgDmus/RL9Uv1Q/VD9UP1TcgRAIA8gFkECdGogETYCACAPIBZBAnRqIBFBAWo2AgQgFkECaiEWBSAVIBpBAP0R",
  "/Tv9pAFBA3FpaiEVIBRBAWohFCABIBNqIBv9CwQAIAIgE2ogHf0LBAAgACATav0MAAAAAAAAAAAAAAAAAAAAAP0LBAAgBSASaiAXNwMA",
  "IAYgEmogFzcDAAsgEUECaiERDAALCyARIAlJBEAgDyAWQQJ0aiARNgIAIBZBAWohFgsgECAQKwMAIBRBAXS4oDkDACAQIBArAwggFbig",
  "OQMIIBYL",
].join("");

/** The binary encoding of WAT, as compiled (for the test that checks it against WAT). */
export const WASM_BYTES: Uint8Array = Buffer.from(WASM_BASE64, "base64");

function compileModule(): object | undefined {
  if (process.env.SPIKEC_SIMD === "0") return undefined;
  try {
    return new wasm.Module(WASM_BYTES);
  } catch {
    return undefined; // no WebAssembly SIMD in this runtime: the JS delivery
  }
}

/** The compiled module, or undefined (JS delivery). Decided once, when this module loads. */
const module: object | undefined = compileModule();

/** Whether the SIMD delivery is available in this runtime (and not turned off with SPIKEC_SIMD=0). */
export const cycleSimdAvailable = module !== undefined;

/** Largest linear memory a program places its rings and operands in; larger programs take the JS delivery. */
export const CYCLE_SIMD_MAX_BYTES = 1 << 30;

/**
 * A new instance over a new memory of at least `bytes` bytes. The memory is made at that size, never grown: a grow
 * detaches the old ArrayBuffer, and V8's first detach of any ArrayBuffer in a process makes every optimized typed
 * array access check for detachment from then on (~25 % slower JS typed-array loops, the engine's included).
 */
export function instantiateCycleKernels(bytes: number): CycleKernels {
  if (!module) throw new Error("cycle SIMD kernels unavailable");
  const memory = new wasm.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
  const { conv, dense, scan, denseTick } = new wasm.Instance(module, { env: { memory } }).exports as unknown as Omit<CycleKernels, "memory" | "denseStats">;
  return { conv, dense, scan, denseTick, memory, denseStats: -1 };
}
