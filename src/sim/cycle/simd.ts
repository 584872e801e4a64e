/**
 * WebAssembly SIMD (f64x2) kernels for the cycle engine's spike delivery (./projections.ts): a conv spike's
 * contributions and a dense row added into a delay ring. The same pattern as src/ann/kernels/simd.ts: the source is
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
)
`;

/** The kernels of one instance (byte addresses into `memory`). */
export interface CycleKernels {
  conv(ring: number, ker: number, pairs: number, nPairs: number, nCo: number, plane: number, kStride: number, n: number, flags: number, lo: number, hi: number): void;
  dense(ring: number, row: number, n: number): void;
  scan(ring: number, flags: number, blocks: number, n: number, out: number): number;
  memory: { buffer: ArrayBuffer };
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
 * WAT assembled (wabt's wat2wasm with SIMD; 709 bytes). test/sim/cycle/simd.test.ts assembles WAT again and fails with the new
 * encoding if the two differ: edit WAT, then paste the encoding the test prints here.
 */
const WASM_BASE64 = [
  "AGFzbQEAAAABHgNgC39/f39/f39/f39/AGAFf39/f38Bf2ADf39/AAIPAQNlbnYGbWVtb3J5AgABAwQDAAECBxcDBGNvbnYAAARzY2Fu",
  "AAEFZGVuc2UAAgrqBAOlAgEJfyAHQQN0IREgB0F+cUEDdCEQIAIgA0EDdGohCwJAA0AgAiALTw0BIAEgAigCAGohDCAAIAIoAgRqIQ0g",
  "BCEOAkADQCAORQ0BQQAhDwJAA0AgDyAQTw0BIA0gD2ogDSAPav0ABAAgDCAPav0ABAD98AH9CwQAIA9BEGohDwwACwsgDyARSQRAIA0g",
  "D2ogDSAPaisDACAMIA9qKwMAoDkDAAsgDSAFaiENIAwgBmohDCAOQQFrIQ4MAAsLIAJBCGohAgwACwsgBCEOAkADQCAORQ0BIAggCUEF",
  "dWohEiAIIApBBXVqIRMCQANAIBIgE0oNASASQQE6AAAgEkEBaiESDAALCyAJIAVBA3ZqIQkgCiAFQQN2aiEKIA5BAWshDgwACwsL1QEB",
  "Bn8CQANAIAUgAk8NASABIAVqLQAABEAgASAFakEAOgAAIAAgBUEIdGohBkEAIQhBACEHAkADQCAHQSBPDQEgCCAGIAdBA3Rq/QAEAP0M",
  "AAAAAAAAAAAAAAAAAAAAAP1I/cQBIAd0ciEIIAdBAmohBwwACwsgAyAFQQV0ayEJIAlBIEkEQCAIQQEgCXRBAWtxIQgLAkADQCAIRQ0B",
  "IAQgCkECdGogBUEFdCAIaGo2AgAgCkEBaiEKIAggCEEBa3EhCAwACwsLIAVBAWohBQwACwsgCgtqAQN/IAJBA3QhBSACQX5xQQN0IQQC",
  "QANAIAMgBE8NASAAIANqIAAgA2r9AAQAIAEgA2r9AAQA/fAB/QsEACADQRBqIQMMAAsLIAMgBUkEQCAAIANqIAAgA2orAwAgASADaisD",
  "AKA5AwALCw==",
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
  const { conv, dense, scan } = new wasm.Instance(module, { env: { memory } }).exports as unknown as Omit<CycleKernels, "memory">;
  return { conv, dense, scan, memory };
}
