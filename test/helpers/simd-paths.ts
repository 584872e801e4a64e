/**
 * A module loaded twice, as the JS kernels (SPIKEC_SIMD=0) and as this runtime has it (WebAssembly SIMD on Node ≥ 20),
 * for tests that check the two paths against each other: the kernels decide which path to take when they load.
 */
import { vi } from "vitest";

export async function bothPaths<T>(load: () => Promise<T>): Promise<{ js: T; fast: T; simdOn: boolean }> {
  const before = process.env.SPIKEC_SIMD;
  vi.resetModules();
  process.env.SPIKEC_SIMD = "0";
  const js = await load();
  vi.resetModules();
  if (before === undefined) delete process.env.SPIKEC_SIMD;
  else process.env.SPIKEC_SIMD = before;
  const fast = await load();
  const { simd } = await import("../../src/ann/kernels/simd.js");
  return { js, fast, simdOn: simd };
}
