/**
 * WebAssembly SIMD (f64x2) micro-kernels for the direct convolution (conv2d.ts) and the dense product (gemm.ts). The
 * source is the WAT text below; its binary encoding is embedded (WASM_BASE64, checked against WAT by a test that
 * assembles it with wabt), so there is no build step and no load-time assembly. The JS kernels stay the fallback (no
 * SIMD in the runtime, or SPIKEC_SIMD=0). Each output element is computed with the same operations in the same order as the JS kernels
 * (separate multiply and add, no fused multiply-add, taps in order, one add of the partial sum into C per pass), so the
 * two paths are bit-identical; SIMD only computes two output channels per instruction. ~4× the JS kernel on lenet5's
 * second conv.
 *
 * Memory: imported, never grown: a grow detaches the old buffer, and after any detach V8 checks every typed-array
 * access in the process for it (lenet5's exact simulation: ~10 % slower; the cycle simulator ~25 %). The kernels start
 * over a 16 MiB memory (lenet5-sized layers never need more); a larger need gets a new instance over a new memory of
 * twice the size or more, and the old one is dropped (each worker thread has its own). Callers lay out their operands
 * in it (simdMemory) and pass byte addresses.
 */

/**
 * signedPairs' tap loop over [t, bound): the four accumulators c0..c3 (pairs of output pixels) += w[t]·img[p_i + tap[t]].
 * One template, written out twice in the WAT (positive taps, then the rest): one loop over both segments ran ~20 %
 * slower.
 */
const signedTapLoop = (label: string, bound: string): string => `(block $${label}Done
          (loop $${label}
            (br_if $${label}Done (i32.ge_u (local.get $t) (local.get $${bound})))
            (local.set $q (i32.load (local.get $ta)))
            (local.set $a (v128.load64_splat (local.get $wa)))
            (local.set $c0 (f64x2.add (local.get $c0) (f64x2.mul (local.get $a) (v128.load (i32.add (local.get $p0) (local.get $q))))))
            (local.set $c1 (f64x2.add (local.get $c1) (f64x2.mul (local.get $a) (v128.load (i32.add (local.get $p1) (local.get $q))))))
            (local.set $c2 (f64x2.add (local.get $c2) (f64x2.mul (local.get $a) (v128.load (i32.add (local.get $p2) (local.get $q))))))
            (local.set $c3 (f64x2.add (local.get $c3) (f64x2.mul (local.get $a) (v128.load (i32.add (local.get $p3) (local.get $q))))))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (local.set $ta (i32.add (local.get $ta) (i32.const 4)))
            (local.set $wa (i32.add (local.get $wa) (i32.const 8)))
            (br $${label})))`;

/** signedPairs: adds c0..c3 to the four pairs' outputs at base + pout[j .. j + 4). */
const addPairsInto = (base: string): string => `(local.set $q (i32.add (local.get $pout) (i32.shl (local.get $j) (i32.const 2))))
        ${[0, 4, 8, 12]
          .map(
            (off, i) => `(local.set $o (i32.add (local.get $${base}) (i32.load${off ? ` offset=${off}` : ""} (local.get $q))))
        (v128.store (local.get $o) (f64x2.add (v128.load (local.get $o)) (local.get $c${i})))`,
          )
          .join("\n        ")}`;

export const WAT = String.raw`
(module
  ;; Imported (see the header): made by simdMemory at the size a call needs, never grown.
  (import "env" "memory" (memory 1))
  ;; C[r, j..j+3] += Σ_{t in [t0, t1)} panel[t, r] · img[pix[j..j+3] + tap[t]] for rows r < mr ≤ 4, pixel groups j < p4.
  ;; Byte addresses: img, tap and pix (i32 byte offsets), panel (the block's [t][4] f64 from t = 0), out (row 0 of the
  ;; block, pixel 0; rows ld bytes apart).
  (func (export "rows4") (param $img i32) (param $tap i32) (param $t0 i32) (param $t1 i32) (param $pix i32) (param $p4 i32)
        (param $panel i32) (param $out i32) (param $ld i32) (param $mr i32)
    (local $j i32) (local $t i32) (local $q i32) (local $pa i32) (local $o i32) (local $pj i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $a01 v128) (local $a23 v128) (local $b v128)
    (local $c0a v128) (local $c0b v128) (local $c1a v128) (local $c1b v128)
    (local $c2a v128) (local $c2b v128) (local $c3a v128) (local $c3b v128)
    (block $done
      (loop $pixels
        (br_if $done (i32.ge_u (local.get $j) (local.get $p4)))
        (local.set $pj (i32.add (local.get $pix) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $p0 (i32.add (local.get $img) (i32.load (local.get $pj))))
        (local.set $p1 (i32.add (local.get $img) (i32.load offset=4 (local.get $pj))))
        (local.set $p2 (i32.add (local.get $img) (i32.load offset=8 (local.get $pj))))
        (local.set $p3 (i32.add (local.get $img) (i32.load offset=12 (local.get $pj))))
        (local.set $c0a (v128.const f64x2 0 0)) (local.set $c0b (v128.const f64x2 0 0))
        (local.set $c1a (v128.const f64x2 0 0)) (local.set $c1b (v128.const f64x2 0 0))
        (local.set $c2a (v128.const f64x2 0 0)) (local.set $c2b (v128.const f64x2 0 0))
        (local.set $c3a (v128.const f64x2 0 0)) (local.set $c3b (v128.const f64x2 0 0))
        (local.set $t (local.get $t0))
        (local.set $pa (i32.add (local.get $panel) (i32.shl (local.get $t0) (i32.const 5))))
        (block $tapsDone
          (loop $taps
            (br_if $tapsDone (i32.ge_u (local.get $t) (local.get $t1)))
            (local.set $q (i32.load (i32.add (local.get $tap) (i32.shl (local.get $t) (i32.const 2)))))
            (local.set $a01 (v128.load (local.get $pa)))
            (local.set $a23 (v128.load offset=16 (local.get $pa)))
            (local.set $b (f64x2.splat (f64.load (i32.add (local.get $p0) (local.get $q)))))
            (local.set $c0a (f64x2.add (local.get $c0a) (f64x2.mul (local.get $a01) (local.get $b))))
            (local.set $c0b (f64x2.add (local.get $c0b) (f64x2.mul (local.get $a23) (local.get $b))))
            (local.set $b (f64x2.splat (f64.load (i32.add (local.get $p1) (local.get $q)))))
            (local.set $c1a (f64x2.add (local.get $c1a) (f64x2.mul (local.get $a01) (local.get $b))))
            (local.set $c1b (f64x2.add (local.get $c1b) (f64x2.mul (local.get $a23) (local.get $b))))
            (local.set $b (f64x2.splat (f64.load (i32.add (local.get $p2) (local.get $q)))))
            (local.set $c2a (f64x2.add (local.get $c2a) (f64x2.mul (local.get $a01) (local.get $b))))
            (local.set $c2b (f64x2.add (local.get $c2b) (f64x2.mul (local.get $a23) (local.get $b))))
            (local.set $b (f64x2.splat (f64.load (i32.add (local.get $p3) (local.get $q)))))
            (local.set $c3a (f64x2.add (local.get $c3a) (f64x2.mul (local.get $a01) (local.get $b))))
            (local.set $c3b (f64x2.add (local.get $c3b) (f64x2.mul (local.get $a23) (local.get $b))))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (local.set $pa (i32.add (local.get $pa) (i32.const 32)))
            (br $taps)))
        ;; Row r, pixel i: lane r % 2 of c{i}a (rows 0, 1) or c{i}b (rows 2, 3).
        (local.set $o (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3))))
        (f64.store (local.get $o) (f64.add (f64.load (local.get $o)) (f64x2.extract_lane 0 (local.get $c0a))))
        (f64.store offset=8 (local.get $o) (f64.add (f64.load offset=8 (local.get $o)) (f64x2.extract_lane 0 (local.get $c1a))))
        (f64.store offset=16 (local.get $o) (f64.add (f64.load offset=16 (local.get $o)) (f64x2.extract_lane 0 (local.get $c2a))))
        (f64.store offset=24 (local.get $o) (f64.add (f64.load offset=24 (local.get $o)) (f64x2.extract_lane 0 (local.get $c3a))))
        (if (i32.gt_u (local.get $mr) (i32.const 1)) (then
          (local.set $o (i32.add (local.get $o) (local.get $ld)))
          (f64.store (local.get $o) (f64.add (f64.load (local.get $o)) (f64x2.extract_lane 1 (local.get $c0a))))
          (f64.store offset=8 (local.get $o) (f64.add (f64.load offset=8 (local.get $o)) (f64x2.extract_lane 1 (local.get $c1a))))
          (f64.store offset=16 (local.get $o) (f64.add (f64.load offset=16 (local.get $o)) (f64x2.extract_lane 1 (local.get $c2a))))
          (f64.store offset=24 (local.get $o) (f64.add (f64.load offset=24 (local.get $o)) (f64x2.extract_lane 1 (local.get $c3a))))))
        (if (i32.gt_u (local.get $mr) (i32.const 2)) (then
          (local.set $o (i32.add (local.get $o) (local.get $ld)))
          (f64.store (local.get $o) (f64.add (f64.load (local.get $o)) (f64x2.extract_lane 0 (local.get $c0b))))
          (f64.store offset=8 (local.get $o) (f64.add (f64.load offset=8 (local.get $o)) (f64x2.extract_lane 0 (local.get $c1b))))
          (f64.store offset=16 (local.get $o) (f64.add (f64.load offset=16 (local.get $o)) (f64x2.extract_lane 0 (local.get $c2b))))
          (f64.store offset=24 (local.get $o) (f64.add (f64.load offset=24 (local.get $o)) (f64x2.extract_lane 0 (local.get $c3b))))))
        (if (i32.gt_u (local.get $mr) (i32.const 3)) (then
          (local.set $o (i32.add (local.get $o) (local.get $ld)))
          (f64.store (local.get $o) (f64.add (f64.load (local.get $o)) (f64x2.extract_lane 1 (local.get $c0b))))
          (f64.store offset=8 (local.get $o) (f64.add (f64.load offset=8 (local.get $o)) (f64x2.extract_lane 1 (local.get $c1b))))
          (f64.store offset=16 (local.get $o) (f64.add (f64.load offset=16 (local.get $o)) (f64x2.extract_lane 1 (local.get $c2b))))
          (f64.store offset=24 (local.get $o) (f64.add (f64.load offset=24 (local.get $o)) (f64x2.extract_lane 1 (local.get $c3b))))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $pixels))))

  ;; The same for a block of mr ≤ 2 rows (panel [t][2]).
  (func (export "rows2") (param $img i32) (param $tap i32) (param $t0 i32) (param $t1 i32) (param $pix i32) (param $p4 i32)
        (param $panel i32) (param $out i32) (param $ld i32) (param $mr i32)
    (local $j i32) (local $t i32) (local $q i32) (local $pa i32) (local $o i32) (local $pj i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $a01 v128) (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (block $done
      (loop $pixels
        (br_if $done (i32.ge_u (local.get $j) (local.get $p4)))
        (local.set $pj (i32.add (local.get $pix) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $p0 (i32.add (local.get $img) (i32.load (local.get $pj))))
        (local.set $p1 (i32.add (local.get $img) (i32.load offset=4 (local.get $pj))))
        (local.set $p2 (i32.add (local.get $img) (i32.load offset=8 (local.get $pj))))
        (local.set $p3 (i32.add (local.get $img) (i32.load offset=12 (local.get $pj))))
        (local.set $c0 (v128.const f64x2 0 0)) (local.set $c1 (v128.const f64x2 0 0))
        (local.set $c2 (v128.const f64x2 0 0)) (local.set $c3 (v128.const f64x2 0 0))
        (local.set $t (local.get $t0))
        (local.set $pa (i32.add (local.get $panel) (i32.shl (local.get $t0) (i32.const 4))))
        (block $tapsDone
          (loop $taps
            (br_if $tapsDone (i32.ge_u (local.get $t) (local.get $t1)))
            (local.set $q (i32.load (i32.add (local.get $tap) (i32.shl (local.get $t) (i32.const 2)))))
            (local.set $a01 (v128.load (local.get $pa)))
            (local.set $c0 (f64x2.add (local.get $c0) (f64x2.mul (local.get $a01) (f64x2.splat (f64.load (i32.add (local.get $p0) (local.get $q)))))))
            (local.set $c1 (f64x2.add (local.get $c1) (f64x2.mul (local.get $a01) (f64x2.splat (f64.load (i32.add (local.get $p1) (local.get $q)))))))
            (local.set $c2 (f64x2.add (local.get $c2) (f64x2.mul (local.get $a01) (f64x2.splat (f64.load (i32.add (local.get $p2) (local.get $q)))))))
            (local.set $c3 (f64x2.add (local.get $c3) (f64x2.mul (local.get $a01) (f64x2.splat (f64.load (i32.add (local.get $p3) (local.get $q)))))))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
            (br $taps)))
        (local.set $o (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3))))
        (f64.store (local.get $o) (f64.add (f64.load (local.get $o)) (f64x2.extract_lane 0 (local.get $c0))))
        (f64.store offset=8 (local.get $o) (f64.add (f64.load offset=8 (local.get $o)) (f64x2.extract_lane 0 (local.get $c1))))
        (f64.store offset=16 (local.get $o) (f64.add (f64.load offset=16 (local.get $o)) (f64x2.extract_lane 0 (local.get $c2))))
        (f64.store offset=24 (local.get $o) (f64.add (f64.load offset=24 (local.get $o)) (f64x2.extract_lane 0 (local.get $c3))))
        (if (i32.gt_u (local.get $mr) (i32.const 1)) (then
          (local.set $o (i32.add (local.get $o) (local.get $ld)))
          (f64.store (local.get $o) (f64.add (f64.load (local.get $o)) (f64x2.extract_lane 1 (local.get $c0))))
          (f64.store offset=8 (local.get $o) (f64.add (f64.load offset=8 (local.get $o)) (f64x2.extract_lane 1 (local.get $c1))))
          (f64.store offset=16 (local.get $o) (f64.add (f64.load offset=16 (local.get $o)) (f64x2.extract_lane 1 (local.get $c2))))
          (f64.store offset=24 (local.get $o) (f64.add (f64.load offset=24 (local.get $o)) (f64x2.extract_lane 1 (local.get $c3))))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $pixels))))

  ;; One output channel over pairs of adjacent output pixels (the lanes), four pairs per block (conv2d-signed.ts): per
  ;; pair j < np (a multiple of 4), s = Σ_{t < tpos} w[t]·img[pin[j] + tap[t]] is added to exc[pout[j]], then the same
  ;; s, continued over t in [tpos, tn), is added to drive[pout[j]]. Byte addresses: img, tap and pin/pout (i32 byte
  ;; offsets), w (f64 per tap), exc and drive (the channel's outputs).
  (func (export "signedPairs") (param $img i32) (param $tap i32) (param $w i32) (param $tpos i32) (param $tn i32)
        (param $pin i32) (param $pout i32) (param $np i32) (param $exc i32) (param $drive i32)
    (local $j i32) (local $t i32) (local $q i32) (local $wa i32) (local $ta i32) (local $o i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $a v128) (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $j) (local.get $np)))
        (local.set $q (i32.add (local.get $pin) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $p0 (i32.add (local.get $img) (i32.load (local.get $q))))
        (local.set $p1 (i32.add (local.get $img) (i32.load offset=4 (local.get $q))))
        (local.set $p2 (i32.add (local.get $img) (i32.load offset=8 (local.get $q))))
        (local.set $p3 (i32.add (local.get $img) (i32.load offset=12 (local.get $q))))
        (local.set $c0 (v128.const f64x2 0 0)) (local.set $c1 (v128.const f64x2 0 0))
        (local.set $c2 (v128.const f64x2 0 0)) (local.set $c3 (v128.const f64x2 0 0))
        (local.set $ta (local.get $tap))
        (local.set $wa (local.get $w))
        (local.set $t (i32.const 0))
        ;; Taps [0, tpos) into exc, then on to tn into drive (signedTapLoop, addPairsInto).
        ${signedTapLoop("pos", "tpos")}
        ${addPairsInto("exc")}
        ${signedTapLoop("neg", "tn")}
        ${addPairsInto("drive")}
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $pairs))))
)
`;

/** The exported kernels (byte addresses into `memory`). */
export interface SimdKernels {
  rows4(img: number, tap: number, t0: number, t1: number, pix: number, p4: number, panel: number, out: number, ld: number, mr: number): void;
  rows2(img: number, tap: number, t0: number, t1: number, pix: number, p4: number, panel: number, out: number, ld: number, mr: number): void;
  signedPairs(img: number, tap: number, w: number, tpos: number, tn: number, pin: number, pout: number, np: number, exc: number, drive: number): void;
  memory: { buffer: ArrayBuffer };
}

/** The WebAssembly API (a global of Node; not in this project's ES lib typings). */
const wasm = (
  globalThis as unknown as {
    WebAssembly: {
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object, imports: object) => { exports: object };
      Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
    };
  }
).WebAssembly;

/**
 * WAT assembled (wabt's wat2wasm with SIMD; 2010 bytes). test/ann/simd-kernels.test.ts assembles WAT again and fails
 * with the new encoding if the two differ: edit WAT, then paste the encoding the test prints here.
 */
const WASM_BASE64 = [
  "AGFzbQEAAAABDgFgCn9/f39/f39/f38AAg8BA2VudgZtZW1vcnkCAAEDBAMAAAAHHwMFcm93czQAAAVyb3dzMgABC3NpZ25lZFBhaXJz",
  "AAIKhw8DjQYCCn8LewJAA0AgCiAFTw0BIAQgCkECdGohDyAAIA8oAgBqIRAgACAPKAIEaiERIAAgDygCCGohEiAAIA8oAgxqIRP9DAAA",
  "AAAAAAAAAAAAAAAAAAAhF/0MAAAAAAAAAAAAAAAAAAAAACEY/QwAAAAAAAAAAAAAAAAAAAAAIRn9DAAAAAAAAAAAAAAAAAAAAAAhGv0M",
  "AAAAAAAAAAAAAAAAAAAAACEb/QwAAAAAAAAAAAAAAAAAAAAAIRz9DAAAAAAAAAAAAAAAAAAAAAAhHf0MAAAAAAAAAAAAAAAAAAAAACEe",
  "IAIhCyAGIAJBBXRqIQ0CQANAIAsgA08NASABIAtBAnRqKAIAIQwgDf0ABAAhFCAN/QAEECEVIBAgDGorAwD9FCEWIBcgFCAW/fIB/fAB",
  "IRcgGCAVIBb98gH98AEhGCARIAxqKwMA/RQhFiAZIBQgFv3yAf3wASEZIBogFSAW/fIB/fABIRogEiAMaisDAP0UIRYgGyAUIBb98gH9",
  "8AEhGyAcIBUgFv3yAf3wASEcIBMgDGorAwD9FCEWIB0gFCAW/fIB/fABIR0gHiAVIBb98gH98AEhHiALQQFqIQsgDUEgaiENDAALCyAH",
  "IApBA3RqIQ4gDiAOKwMAIBf9IQCgOQMAIA4gDisDCCAZ/SEAoDkDCCAOIA4rAxAgG/0hAKA5AxAgDiAOKwMYIB39IQCgOQMYIAlBAUsE",
  "QCAOIAhqIQ4gDiAOKwMAIBf9IQGgOQMAIA4gDisDCCAZ/SEBoDkDCCAOIA4rAxAgG/0hAaA5AxAgDiAOKwMYIB39IQGgOQMYCyAJQQJL",
  "BEAgDiAIaiEOIA4gDisDACAY/SEAoDkDACAOIA4rAwggGv0hAKA5AwggDiAOKwMQIBz9IQCgOQMQIA4gDisDGCAe/SEAoDkDGAsgCUED",
  "SwRAIA4gCGohDiAOIA4rAwAgGP0hAaA5AwAgDiAOKwMIIBr9IQGgOQMIIA4gDisDECAc/SEBoDkDECAOIA4rAxggHv0hAaA5AxgLIApB",
  "BGohCgwACwsLzwMCCn8FewJAA0AgCiAFTw0BIAQgCkECdGohDyAAIA8oAgBqIRAgACAPKAIEaiERIAAgDygCCGohEiAAIA8oAgxqIRP9",
  "DAAAAAAAAAAAAAAAAAAAAAAhFf0MAAAAAAAAAAAAAAAAAAAAACEW/QwAAAAAAAAAAAAAAAAAAAAAIRf9DAAAAAAAAAAAAAAAAAAAAAAh",
  "GCACIQsgBiACQQR0aiENAkADQCALIANPDQEgASALQQJ0aigCACEMIA39AAQAIRQgFSAUIBAgDGorAwD9FP3yAf3wASEVIBYgFCARIAxq",
  "KwMA/RT98gH98AEhFiAXIBQgEiAMaisDAP0U/fIB/fABIRcgGCAUIBMgDGorAwD9FP3yAf3wASEYIAtBAWohCyANQRBqIQ0MAAsLIAcg",
  "CkEDdGohDiAOIA4rAwAgFf0hAKA5AwAgDiAOKwMIIBb9IQCgOQMIIA4gDisDECAX/SEAoDkDECAOIA4rAxggGP0hAKA5AxggCUEBSwRA",
  "IA4gCGohDiAOIA4rAwAgFf0hAaA5AwAgDiAOKwMIIBb9IQGgOQMIIA4gDisDECAX/SEBoDkDECAOIA4rAxggGP0hAaA5AxgLIApBBGoh",
  "CgwACwsLpAUCCn8FewJAA0AgCiAHTw0BIAUgCkECdGohDCAAIAwoAgBqIRAgACAMKAIEaiERIAAgDCgCCGohEiAAIAwoAgxqIRP9DAAA",
  "AAAAAAAAAAAAAAAAAAAhFf0MAAAAAAAAAAAAAAAAAAAAACEW/QwAAAAAAAAAAAAAAAAAAAAAIRf9DAAAAAAAAAAAAAAAAAAAAAAhGCAB",
  "IQ4gAiENQQAhCwJAA0AgCyADTw0BIA4oAgAhDCAN/QoDACEUIBUgFCAQIAxq/QAEAP3yAf3wASEVIBYgFCARIAxq/QAEAP3yAf3wASEW",
  "IBcgFCASIAxq/QAEAP3yAf3wASEXIBggFCATIAxq/QAEAP3yAf3wASEYIAtBAWohCyAOQQRqIQ4gDUEIaiENDAALCyAGIApBAnRqIQwg",
  "CCAMKAIAaiEPIA8gD/0ABAAgFf3wAf0LBAAgCCAMKAIEaiEPIA8gD/0ABAAgFv3wAf0LBAAgCCAMKAIIaiEPIA8gD/0ABAAgF/3wAf0L",
  "BAAgCCAMKAIMaiEPIA8gD/0ABAAgGP3wAf0LBAACQANAIAsgBE8NASAOKAIAIQwgDf0KAwAhFCAVIBQgECAMav0ABAD98gH98AEhFSAW",
  "IBQgESAMav0ABAD98gH98AEhFiAXIBQgEiAMav0ABAD98gH98AEhFyAYIBQgEyAMav0ABAD98gH98AEhGCALQQFqIQsgDkEEaiEOIA1B",
  "CGohDQwACwsgBiAKQQJ0aiEMIAkgDCgCAGohDyAPIA/9AAQAIBX98AH9CwQAIAkgDCgCBGohDyAPIA/9AAQAIBb98AH9CwQAIAkgDCgC",
  "CGohDyAPIA/9AAQAIBf98AH9CwQAIAkgDCgCDGohDyAPIA/9AAQAIBj98AH9CwQAIApBBGohCgwACwsL",
].join("");

/** Pages (64 KiB) of the first memory: 16 MiB. */
const FIRST_PAGES = 256;

/** The kernels over a new memory of `pages` pages. */
function instantiate(module: object, pages: number): SimdKernels {
  const memory = new wasm.Memory({ initial: pages });
  const { rows4, rows2, signedPairs } = new wasm.Instance(module, { env: { memory } }).exports as unknown as Omit<SimdKernels, "memory">;
  return { rows4, rows2, signedPairs, memory };
}

function compileModule(): object | undefined {
  if (process.env.SPIKEC_SIMD === "0") return undefined;
  try {
    const module = new wasm.Module(Buffer.from(WASM_BASE64, "base64"));
    instantiate(module, 1); // SIMD validated and runnable here
    return module;
  } catch {
    return undefined; // no WebAssembly SIMD in this runtime: the JS kernels
  }
}

const simdModule = compileModule();

/** The current kernels (replaced, never grown, when a call needs more memory). */
let current: SimdKernels | undefined = simdModule && instantiate(simdModule, FIRST_PAGES);

/** Whether the SIMD kernels run here (else the JS kernels). Decided once, when this module loads. */
export const simd: boolean = current !== undefined;

/** The binary encoding of WAT, as instantiated (for the test that checks it against WAT). */
export const WASM_BYTES: Uint8Array = Buffer.from(WASM_BASE64, "base64");

/** Largest operand layout the SIMD paths copy into the kernels' memory; larger products take the JS kernels. */
export const SIMD_MAX_BYTES = 256 << 20;

/**
 * The kernels over a memory of at least `bytes` bytes, and views of that memory (only when `simd`). Earlier views stay
 * valid but belong to a memory the kernels may no longer use: take them again after each call.
 */
export function simdMemory(bytes: number): { kernels: SimdKernels; f64: Float64Array; i32: Int32Array } {
  let kernels = current!;
  if (kernels.memory.buffer.byteLength < bytes) {
    let pages = 2 * (kernels.memory.buffer.byteLength / 65536);
    while (pages * 65536 < bytes) pages *= 2;
    kernels = current = instantiate(simdModule!, pages);
  }
  return { kernels, f64: new Float64Array(kernels.memory.buffer), i32: new Int32Array(kernels.memory.buffer) };
}
