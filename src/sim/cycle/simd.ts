/**
 * WebAssembly SIMD (f64x2) kernels for the cycle engine's spike delivery (./projections.ts): a conv spike's
 * contributions and a dense row added into a delay ring; and its dense tick (denseCuba: a plain cuba population's
 * neurons stepped two at a time, the exact rule in scalar code for the pairs where a jump or tick clips, a register
 * limit is hit or a neuron fires; denseB1: the same for two-phase b1 neurons while they integrate, the rest left to
 * the engine). The same pattern as src/ann/kernels/simd.ts: the source is
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

  ;; One neuron of a dense tick (denseCuba, for the pairs its vector test sends here): engine.ts updatePlainCuba's
  ;; exact tick rule without the prediction, the same float64 operations in the same order. Counters (f64) at stats:
  ;; [0] updates, [1] jumps, [2] clips at vmax, [3] clips at vmin, [4] q out of range, [5] u out of range. Returns
  ;; the spike count after appending i to spiked if it fires.
  (func $denseOne (param $i i32) (param $ring i32) (param $u i32) (param $v i32) (param $last i32) (param $stamp i32)
        (param $t i32) (param $qH f64) (param $uH f64) (param $qWrap i32) (param $uWrap i32) (param $lo f64) (param $hi f64)
        (param $th f64) (param $ge i32) (param $spiked i32) (param $nSp i32) (param $stats i32) (result i32)
    (local $i4 i32) (local $i8 i32) (local $K i32) (local $q f64) (local $u0 f64) (local $vi f64) (local $vk f64)
    (local $un f64) (local $vn f64) (local $kf f64)
    (local.set $i4 (i32.shl (local.get $i) (i32.const 2)))
    (local.set $i8 (i32.shl (local.get $i) (i32.const 3)))
    (f64.store (local.get $stats) (f64.add (f64.load (local.get $stats)) (f64.const 1)))
    (local.set $q (f64.load (i32.add (local.get $ring) (local.get $i8))))
    (f64.store (i32.add (local.get $ring) (local.get $i8)) (f64.const 0))
    (if (i32.or (f64.ge (local.get $q) (local.get $qH)) (f64.lt (local.get $q) (f64.neg (local.get $qH)))) (then
      (f64.store offset=32 (local.get $stats) (f64.add (f64.load offset=32 (local.get $stats)) (f64.const 1)))
      (local.set $q (call $limit (local.get $q) (local.get $qH) (local.get $qWrap)))))
    (local.set $u0 (f64.load (i32.add (local.get $u) (local.get $i8))))
    (local.set $vi (f64.load (i32.add (local.get $v) (local.get $i8))))
    (local.set $K (i32.sub (i32.sub (local.get $t) (i32.const 1)) (i32.load (i32.add (local.get $last) (local.get $i4)))))
    (if (i32.gt_s (local.get $K) (i32.const 0)) (then
      (f64.store offset=8 (local.get $stats) (f64.add (f64.load offset=8 (local.get $stats)) (f64.const 1)))
      (local.set $kf (f64.convert_i32_s (local.get $K)))
      (local.set $vk (f64.add (local.get $vi) (f64.mul (local.get $kf) (local.get $u0))))
      (if (f64.gt (local.get $vk) (local.get $hi))
        (then
          (f64.store offset=16 (local.get $stats) (f64.add (f64.load offset=16 (local.get $stats))
            (f64.sub (local.get $kf) (f64.floor (f64.div (f64.sub (local.get $hi) (local.get $vi)) (local.get $u0))))))
          (local.set $vi (local.get $hi)))
        (else
          (if (f64.lt (local.get $vk) (local.get $lo))
            (then
              (f64.store offset=24 (local.get $stats) (f64.add (f64.load offset=24 (local.get $stats))
                (f64.sub (local.get $kf) (f64.floor (f64.div (f64.sub (local.get $vi) (local.get $lo)) (f64.neg (local.get $u0)))))))
              (local.set $vi (local.get $lo)))
            (else (local.set $vi (local.get $vk))))))))
    (local.set $un (f64.add (local.get $u0) (local.get $q)))
    (if (i32.or (f64.ge (local.get $un) (local.get $uH)) (f64.lt (local.get $un) (f64.neg (local.get $uH)))) (then
      (f64.store offset=40 (local.get $stats) (f64.add (f64.load offset=40 (local.get $stats)) (f64.const 1)))
      (local.set $un (call $limit (local.get $un) (local.get $uH) (local.get $uWrap)))))
    (local.set $vn (f64.add (local.get $vi) (local.get $un)))
    (if (f64.gt (local.get $vn) (local.get $hi))
      (then
        (local.set $vn (local.get $hi))
        (f64.store offset=16 (local.get $stats) (f64.add (f64.load offset=16 (local.get $stats)) (f64.const 1))))
      (else
        (if (f64.lt (local.get $vn) (local.get $lo)) (then
          (local.set $vn (local.get $lo))
          (f64.store offset=24 (local.get $stats) (f64.add (f64.load offset=24 (local.get $stats)) (f64.const 1)))))))
    (if (select (f64.ge (local.get $vn) (local.get $th)) (f64.gt (local.get $vn) (local.get $th)) (local.get $ge)) (then
      (i32.store (i32.add (local.get $spiked) (i32.shl (local.get $nSp) (i32.const 2))) (local.get $i))
      (local.set $nSp (i32.add (local.get $nSp) (i32.const 1)))
      (local.set $vn (f64.const 0))))
    (f64.store (i32.add (local.get $u) (local.get $i8)) (local.get $un))
    (f64.store (i32.add (local.get $v) (local.get $i8)) (local.get $vn))
    (i32.store (i32.add (local.get $last) (local.get $i4)) (local.get $t))
    (i32.store (i32.add (local.get $stamp) (local.get $i4)) (local.get $t))
    (local.get $nSp))

  ;; x kept to a register of 2·h values: wrapped (wrap ≠ 0) or saturated; the engine's limitQ / wrapU once counted.
  (func $limit (param $x f64) (param $h f64) (param $wrap i32) (result f64)
    (if (result f64) (local.get $wrap)
      (then (f64.sub (local.get $x) (f64.mul (f64.mul (f64.floor (f64.div (f64.add (local.get $x) (local.get $h)) (f64.mul (f64.const 2) (local.get $h)))) (f64.const 2)) (local.get $h))))
      (else (select (f64.neg (local.get $h)) (f64.sub (local.get $h) (f64.const 1)) (f64.lt (local.get $x) (f64.const 0))))))

  ;; A dense tick of a plain cuba population of n neurons (engine.ts runCycle): every neuron by the exact tick rule,
  ;; without predictions; two neurons per step, both through denseOne when anything but the common case happens to
  ;; either (a jump or a tick that clips, q or u out of range, a spike). Byte addresses: ring (the tick's slot), u, v
  ;; (f64), last, stamp, spiked (i32), stats (f64 counters, see denseOne). Returns the spike count (from nSp).
  (func (export "denseCuba") (param $ring i32) (param $u i32) (param $v i32) (param $last i32) (param $stamp i32)
        (param $n i32) (param $t i32) (param $qH f64) (param $uH f64) (param $qWrap i32) (param $uWrap i32) (param $lo f64)
        (param $hi f64) (param $th f64) (param $ge i32) (param $spiked i32) (param $nSp i32) (param $stats i32) (result i32)
    (local $i i32) (local $i4 i32) (local $i8 i32) (local $pairs i32) (local $jumps i32) (local $tt i64)
    (local $q v128) (local $u0 v128) (local $v0 v128) (local $K v128) (local $un v128) (local $vk v128) (local $vn v128)
    (local $odd v128)
    (local.set $tt (i64.or (i64.extend_i32_u (local.get $t)) (i64.shl (i64.extend_i32_u (local.get $t)) (i64.const 32))))
    (block $done
      (loop $step
        (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 2)) (local.get $n)))
        (local.set $i4 (i32.shl (local.get $i) (i32.const 2)))
        (local.set $i8 (i32.shl (local.get $i) (i32.const 3)))
        (local.set $q (v128.load (i32.add (local.get $ring) (local.get $i8))))
        (local.set $u0 (v128.load (i32.add (local.get $u) (local.get $i8))))
        (local.set $v0 (v128.load (i32.add (local.get $v) (local.get $i8))))
        (local.set $K (i32x4.sub (i32x4.splat (i32.sub (local.get $t) (i32.const 1)))
          (v128.load64_zero (i32.add (local.get $last) (local.get $i4)))))
        (local.set $un (f64x2.add (local.get $u0) (local.get $q)))
        (local.set $vk (f64x2.add (local.get $v0) (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $K)) (local.get $u0))))
        (local.set $vn (f64x2.add (local.get $vk) (local.get $un)))
        (local.set $odd (v128.or
          (v128.or
            (v128.or (f64x2.ge (local.get $q) (f64x2.splat (local.get $qH))) (f64x2.lt (local.get $q) (f64x2.splat (f64.neg (local.get $qH)))))
            (v128.or (f64x2.ge (local.get $un) (f64x2.splat (local.get $uH))) (f64x2.lt (local.get $un) (f64x2.splat (f64.neg (local.get $uH))))))
          (v128.or
            (v128.or (f64x2.gt (local.get $vk) (f64x2.splat (local.get $hi))) (f64x2.lt (local.get $vk) (f64x2.splat (local.get $lo))))
            (v128.or
              (v128.or (f64x2.gt (local.get $vn) (f64x2.splat (local.get $hi))) (f64x2.lt (local.get $vn) (f64x2.splat (local.get $lo))))
              (v128.bitselect (f64x2.ge (local.get $vn) (f64x2.splat (local.get $th))) (f64x2.gt (local.get $vn) (f64x2.splat (local.get $th)))
                (i64x2.splat (i64.extend_i32_s (i32.sub (i32.const 0) (local.get $ge)))))))))
        (if (v128.any_true (local.get $odd))
          (then
            (local.set $nSp (call $denseOne (local.get $i) (local.get $ring) (local.get $u) (local.get $v) (local.get $last) (local.get $stamp)
              (local.get $t) (local.get $qH) (local.get $uH) (local.get $qWrap) (local.get $uWrap) (local.get $lo) (local.get $hi) (local.get $th)
              (local.get $ge) (local.get $spiked) (local.get $nSp) (local.get $stats)))
            (local.set $nSp (call $denseOne (i32.add (local.get $i) (i32.const 1)) (local.get $ring) (local.get $u) (local.get $v) (local.get $last)
              (local.get $stamp) (local.get $t) (local.get $qH) (local.get $uH) (local.get $qWrap) (local.get $uWrap) (local.get $lo) (local.get $hi)
              (local.get $th) (local.get $ge) (local.get $spiked) (local.get $nSp) (local.get $stats))))
          (else
            ;; A jump without a clip (K > 0 in lanes 0 and 1) is counted; K = 0 left v as it was (v + 0·u = v).
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
      (local.set $nSp (call $denseOne (local.get $i) (local.get $ring) (local.get $u) (local.get $v) (local.get $last) (local.get $stamp)
        (local.get $t) (local.get $qH) (local.get $uH) (local.get $qWrap) (local.get $uWrap) (local.get $lo) (local.get $hi) (local.get $th)
        (local.get $ge) (local.get $spiked) (local.get $nSp) (local.get $stats)))))
    (f64.store (local.get $stats) (f64.add (f64.load (local.get $stats)) (f64.convert_i32_u (i32.shl (local.get $pairs) (i32.const 1)))))
    (f64.store offset=8 (local.get $stats) (f64.add (f64.load offset=8 (local.get $stats)) (f64.convert_i32_u (local.get $jumps))))
    (local.get $nSp))

  ;; A dense tick of a two-phase b1 population of n neurons (engine.ts runCycle), the common case only: two neurons
  ;; per step, both still integrating (t < phase2Start, not latched) with q, u and v inside their registers over the
  ;; ticks slept (phase-1 ticks: v += u) and this one (u += q, v += u; no threshold in phase 1). A pair with anything
  ;; else, and an odd last neuron, is listed at slow (untouched) for the engine's updateB1. Byte addresses: ring (the
  ;; tick's slot), u, v, vmin, vmax (f64), last, stamp, p2s (i32), latched (u8), slow (i32); counters (f64) at stats:
  ;; [0] updates, [1] jumps. Returns the slow count.
  (func (export "denseB1") (param $ring i32) (param $u i32) (param $v i32) (param $vmin i32) (param $vmax i32) (param $last i32)
        (param $stamp i32) (param $p2s i32) (param $latched i32) (param $n i32) (param $t i32) (param $qH f64) (param $uH f64)
        (param $slow i32) (param $stats i32) (result i32)
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
              (i32.or
                (i32.load16_u (i32.add (local.get $latched) (local.get $i)))
                (i32.or (i32.le_s (i32.load (i32.add (local.get $p2s) (local.get $i4))) (local.get $t))
                        (i32.le_s (i32.load offset=4 (i32.add (local.get $p2s) (local.get $i4))) (local.get $t))))
              (v128.any_true (v128.or
                (v128.or
                  (v128.or (f64x2.ge (local.get $q) (f64x2.splat (local.get $qH))) (f64x2.lt (local.get $q) (f64x2.splat (f64.neg (local.get $qH)))))
                  (v128.or (f64x2.ge (local.get $un) (f64x2.splat (local.get $uH))) (f64x2.lt (local.get $un) (f64x2.splat (f64.neg (local.get $uH))))))
                (v128.or
                  (v128.or (f64x2.gt (local.get $vk) (local.get $hi)) (f64x2.lt (local.get $vk) (local.get $lo)))
                  (v128.or (f64x2.gt (local.get $vn) (local.get $hi)) (f64x2.lt (local.get $vn) (local.get $lo)))))))
          (then
            (i32.store (i32.add (local.get $slow) (i32.shl (local.get $nSlow) (i32.const 2))) (local.get $i))
            (i32.store offset=4 (i32.add (local.get $slow) (i32.shl (local.get $nSlow) (i32.const 2))) (i32.add (local.get $i) (i32.const 1)))
            (local.set $nSlow (i32.add (local.get $nSlow) (i32.const 2))))
          (else
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
  denseCuba(
    ring: number, u: number, v: number, last: number, stamp: number, n: number, t: number, qH: number, uH: number, qWrap: number, uWrap: number,
    lo: number, hi: number, th: number, ge: number, spiked: number, nSp: number, stats: number,
  ): number;
  memory: { buffer: ArrayBuffer };
  denseB1(
    ring: number, u: number, v: number, vmin: number, vmax: number, last: number, stamp: number, p2s: number, latched: number, n: number, t: number,
    qH: number, uH: number, slow: number, stats: number,
  ): number;
  /** Byte address of denseCuba's and denseB1's counters (6 f64), placed by ./simd-layout.ts; −1 until then. */
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
 * WAT assembled (wabt's wat2wasm with SIMD; 2338 bytes). test/sim/cycle/simd.test.ts assembles WAT again and fails with the new
 * encoding if the two differ: edit WAT, then paste the encoding the test prints here.
 */
const WASM_BASE64 = [
  "AGFzbQEAAAABTgZgC39/f39/f39/f39/AGAFf39/f38Bf2ADf39/AGASf39/f39/f3x8f398fHx/f39/AX9gA3x8fwF8YA9/f39/f39/",
  "f39/f3x8f38BfwIPAQNlbnYGbWVtb3J5AgABAwgHAAECAwQDBQctBQRjb252AAAEc2NhbgABBWRlbnNlAAIJZGVuc2VDdWJhAAUHZGVu",
  "c2VCMQAGCv0QB6UCAQl/IAdBA3QhESAHQX5xQQN0IRAgAiADQQN0aiELAkADQCACIAtPDQEgASACKAIAaiEMIAAgAigCBGohDSAEIQ4C",
  "QANAIA5FDQFBACEPAkADQCAPIBBPDQEgDSAPaiANIA9q/QAEACAMIA9q/QAEAP3wAf0LBAAgD0EQaiEPDAALCyAPIBFJBEAgDSAPaiAN",
  "IA9qKwMAIAwgD2orAwCgOQMACyANIAVqIQ0gDCAGaiEMIA5BAWshDgwACwsgAkEIaiECDAALCyAEIQ4CQANAIA5FDQEgCCAJQQV1aiES",
  "IAggCkEFdWohEwJAA0AgEiATSg0BIBJBAToAACASQQFqIRIMAAsLIAkgBUEDdmohCSAKIAVBA3ZqIQogDkEBayEODAALCwvVAQEGfwJA",
  "A0AgBSACTw0BIAEgBWotAAAEQCABIAVqQQA6AAAgACAFQQh0aiEGQQAhCEEAIQcCQANAIAdBIE8NASAIIAYgB0EDdGr9AAQA/QwAAAAA",
  "AAAAAAAAAAAAAAAA/Uj9xAEgB3RyIQggB0ECaiEHDAALCyADIAVBBXRrIQkgCUEgSQRAIAhBASAJdEEBa3EhCAsCQANAIAhFDQEgBCAK",
  "QQJ0aiAFQQV0IAhoajYCACAKQQFqIQogCCAIQQFrcSEIDAALCwsgBUEBaiEFDAALCyAKC2oBA38gAkEDdCEFIAJBfnFBA3QhBAJAA0Ag",
  "AyAETw0BIAAgA2ogACADav0ABAAgASADav0ABAD98AH9CwQAIANBEGohAwwACwsgAyAFSQRAIAAgA2ogACADaisDACABIANqKwMAoDkD",
  "AAsL4QMCA38HfCAAQQJ0IRIgAEEDdCETIBEgESsDAEQAAAAAAADwP6A5AwAgASATaisDACEVIAEgE2pEAAAAAAAAAAA5AwAgFSAHZiAV",
  "IAeaY3IEQCARIBErAyBEAAAAAAAA8D+gOQMgIBUgByAJEAQhFQsgAiATaisDACEWIAMgE2orAwAhFyAGQQFrIAQgEmooAgBrIRQgFEEA",
  "SgRAIBEgESsDCEQAAAAAAADwP6A5AwggFLchGyAXIBsgFqKgIRggGCAMZARAIBEgESsDECAbIAwgF6EgFqOcoaA5AxAgDCEXBSAYIAtj",
  "BEAgESARKwMYIBsgFyALoSAWmqOcoaA5AxggCyEXBSAYIRcLCwsgFiAVoCEZIBkgCGYgGSAImmNyBEAgESARKwMoRAAAAAAAAPA/oDkD",
  "KCAZIAggChAEIRkLIBcgGaAhGiAaIAxkBEAgDCEaIBEgESsDEEQAAAAAAADwP6A5AxAFIBogC2MEQCALIRogESARKwMYRAAAAAAAAPA/",
  "oDkDGAsLIBogDWYgGiANZCAOGwRAIA8gEEECdGogADYCACAQQQFqIRBEAAAAAAAAAAAhGgsgAiATaiAZOQMAIAMgE2ogGjkDACAEIBJq",
  "IAY2AgAgBSASaiAGNgIAIBALRwAgAgR8IAAgACABoEQAAAAAAAAAQCABoqOcRAAAAAAAAABAoiABoqEFIAGaIAFEAAAAAAAA8D+hIABE",
  "AAAAAAAAAABjGwsLjgQDBX8Bfgh7IAatIAatQiCGhCEXAkADQCASQQJqIAVLDQEgEkECdCETIBJBA3QhFCAAIBRq/QAEACEYIAEgFGr9",
  "AAQAIRkgAiAUav0ABAAhGiAGQQFr/REgAyATav1dAwD9sQEhGyAZIBj98AEhHCAaIBv9/gEgGf3yAf3wASEdIB0gHP3wASEeIBggB/0U",
  "/UwgGCAHmv0U/Un9UCAcIAj9FP1MIBwgCJr9FP1J/VD9UCAdIAz9FP1KIB0gC/0U/Un9UCAeIAz9FP1KIB4gC/0U/Un9UCAeIA39FP1M",
  "IB4gDf0U/UpBACAOa6z9Ev1S/VD9UP1QIR8gH/1TBEAgEiAAIAEgAiADIAQgBiAHIAggCSAKIAsgDCANIA4gDyAQIBEQAyEQIBJBAWog",
  "ACABIAIgAyAEIAYgByAIIAkgCiALIAwgDSAOIA8gECAREAMhEAUgFiAbQQD9Ef07/aQBQQNxaWohFiAVQQFqIRUgASAUaiAc/QsEACAC",
  "IBRqIB79CwQAIAAgFGr9DAAAAAAAAAAAAAAAAAAAAAD9CwQAIAMgE2ogFzcDACAEIBNqIBc3AwALIBJBAmohEgwACwsgEiAFSQRAIBIg",
  "ACABIAIgAyAEIAYgByAIIAkgCiALIAwgDSAOIA8gECAREAMhEAsgESARKwMAIBVBAXS4oDkDACARIBErAwggFrigOQMIIBAL1gMDBn8B",
  "fgh7IAqtIAqtQiCGhCEVAkADQCAPQQJqIAlLDQEgD0ECdCEQIA9BA3QhESAAIBFq/QAEACEWIAEgEWr9AAQAIRcgAyARav0ABAAhHCAE",
  "IBFq/QAEACEdIApBAWv9ESAFIBBq/V0DAP2xASEYIBcgFv3wASEZIAIgEWr9AAQAIBj9/gEgF/3yAf3wASEaIBogGf3wASEbIAggD2ov",
  "AQAgByAQaigCACAKTCAHIBBqKAIEIApMcnIgFiAL/RT9TCAWIAua/RT9Sf1QIBkgDP0U/UwgGSAMmv0U/Un9UP1QIBogHf1KIBogHP1J",
  "/VAgGyAd/UogGyAc/Un9UP1Q/VD9U3IEQCANIBRBAnRqIA82AgAgDSAUQQJ0aiAPQQFqNgIEIBRBAmohFAUgEyAYQQD9Ef07/aQBQQNx",
  "aWohEyASQQFqIRIgASARaiAZ/QsEACACIBFqIBv9CwQAIAAgEWr9DAAAAAAAAAAAAAAAAAAAAAD9CwQAIAUgEGogFTcDACAGIBBqIBU3",
  "AwALIA9BAmohDwwACwsgDyAJSQRAIA0gFEECdGogDzYCACAUQQFqIRQLIA4gDisDACASQQF0uKA5AwAgDiAOKwMIIBO4oDkDCCAUCw==",
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
  const { conv, dense, scan, denseCuba, denseB1 } = new wasm.Instance(module, { env: { memory } }).exports as unknown as Omit<CycleKernels, "memory" | "denseStats">;
  return { conv, dense, scan, denseCuba, denseB1, memory, denseStats: -1 };
}
