/**
 * Named, grow-only scratch buffers for the exact simulator's per-population temporaries (decoded activations, the
 * drive, neuron lists). A fresh multi-megabyte typed array costs a page fault per 4 KiB on first touch, which for
 * lenet5 at a batch of 500 was as much as a whole projection; kept buffers are touched once. Buffers are kept up to
 * KEEP_BYTES in all (larger requests get fresh arrays), single-threaded per module instance (workers have their own).
 * Contents are stale: callers fill what they read. Spike-time arrays that simulateExact has consumed (not kept for
 * its caller) are handed back (recycleF64) and handed out again by takeF64, under the same cap.
 */

const KEEP_BYTES = 160 << 20;

const f64 = new Map<string, Float64Array>();
const i32 = new Map<string, Int32Array>();
let kept = 0;

function keep<T extends Float64Array | Int32Array>(pool: Map<string, T>, name: string, make: (n: number) => T, n: number): T {
  const old = pool.get(name);
  if (old && old.length >= n) return old.length === n ? old : (old.subarray(0, n) as T);
  const fresh = make(n);
  const freed = old ? old.byteLength : 0;
  if (kept - freed + fresh.byteLength <= KEEP_BYTES) {
    pool.set(name, fresh);
    kept += fresh.byteLength - freed;
  }
  return fresh;
}

/** A Float64Array of length n (stale contents), reused across calls under `name`. */
export function scratchF64(name: string, n: number): Float64Array {
  return keep(f64, name, (m) => new Float64Array(m), n);
}

/** An Int32Array of length n (stale contents), reused across calls under `name`. */
export function scratchI32(name: string, n: number): Int32Array {
  return keep(i32, name, (m) => new Int32Array(m), n);
}

const freed = new Map<number, Float64Array[]>();

/** A Float64Array of length n (stale contents): one handed back by recycleF64, or a fresh one. */
export function takeF64(n: number): Float64Array {
  const a = freed.get(n)?.pop();
  if (!a) return new Float64Array(n);
  kept -= a.byteLength;
  return a;
}

/** Hands back an array nobody reads any more (whole buffers only), for takeF64. */
export function recycleF64(a: Float64Array): void {
  if (a.byteOffset !== 0 || a.byteLength !== a.buffer.byteLength || kept + a.byteLength > KEEP_BYTES) return;
  const list = freed.get(a.length) ?? [];
  list.push(a);
  freed.set(a.length, list);
  kept += a.byteLength;
}
