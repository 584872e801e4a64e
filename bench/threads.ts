/**
 * Sections that compare against onnxruntime on one thread measure spikec on one thread too: the exact simulator's
 * worker pool (src/sim/exact/threads.ts) reads SPIKEC_THREADS at each call.
 */
export async function singleThreaded<T>(run: () => Promise<T>): Promise<T> {
  const before = process.env.SPIKEC_THREADS;
  process.env.SPIKEC_THREADS = "1";
  try {
    return await run();
  } finally {
    if (before === undefined) delete process.env.SPIKEC_THREADS;
    else process.env.SPIKEC_THREADS = before;
  }
}
