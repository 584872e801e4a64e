/** Benchmark tables: every section returns rows; ratios are against a reference measured in the same run. */
export interface BenchTable {
  title: string;
  headers: string[];
  rows: (string | number)[][];
  notes?: string[];
}

export function printTable(t: BenchTable): void {
  const fmt = (v: string | number) => (typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : v);
  const cells = t.rows.map((r) => r.map(fmt));
  const w = t.headers.map((h, j) => Math.max(h.length, ...cells.map((r) => r[j]!.length)));
  const line = (r: string[]) => r.map((c, j) => c.padEnd(w[j]!)).join("  ");
  process.stdout.write(`\n## ${t.title}\n\n${line(t.headers)}\n${w.map((n) => "-".repeat(n)).join("  ")}\n${cells.map(line).join("\n")}\n`);
  for (const n of t.notes ?? []) process.stdout.write(`  ${n}\n`);
}

/** Median wall time (ms) of fn over `runs` runs after one warm-up. */
export async function timeIt(fn: () => unknown | Promise<unknown>, runs = 5): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/**
 * Median wall time (ms) of each fn over `rounds` rounds after one warm-up round, every round running each fn once in
 * order. Interleaved so that all of them see the same phases of the machine (on shared vCPUs the speed drifts by up to
 * ~50 % over seconds): ratios of these medians compare like with like.
 */
export async function timeRounds(fns: (() => unknown | Promise<unknown>)[], rounds = 5): Promise<number[]> {
  for (const fn of fns) await fn();
  const times = fns.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++)
    for (let k = 0; k < fns.length; k++) {
      const t0 = performance.now();
      await fns[k]!();
      times[k]!.push(performance.now() - t0);
    }
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]!);
}
