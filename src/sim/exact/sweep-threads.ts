/**
 * The exact sweep (proof-sweep.ts) in parts on worker threads (threads.ts): its (sample, position) keys are
 * independent, so the key range is cut into contiguous parts of about equal neuron counts, merged in key order.
 */
import type { SweepJob, SweepPart } from "./proof-sweep.js";
import { partCount, runTasks, type WorkerTask } from "./threads.js";

/** Below this much work (neurons × receptive-field width) a worker's start-up and the copy of the inputs do not pay. */
const MIN_WORK = 2e7;

/** Key bounds [0, …, keys] of `parts` contiguous ranges with about equal neuron counts (start: prefix counts). */
export function splitKeys(start: Int32Array, parts: number): number[] {
  const keys = start.length - 1;
  const total = start[keys]!;
  const bounds = [0];
  let key = 0;
  for (let p = 1; p < parts; p++) {
    const target = Math.round((total * p) / parts);
    while (key < keys && start[key]! < target) key++;
    bounds.push(key);
  }
  bounds.push(keys);
  return bounds;
}

/** Runs `sweep` over all keys of the job, in parts on worker threads when the work is large enough; parts in key order. */
export function sweepInParts(job: SweepJob, work: number, sweep: (job: SweepJob, k0: number, k1: number) => SweepPart): SweepPart[] {
  const keys = job.start.length - 1;
  const parts = work >= MIN_WORK ? partCount() : 1;
  if (parts === 1) return [sweep(job, 0, keys)];
  const bounds = splitKeys(job.start, parts);
  const tasks = bounds.slice(1).map((k1, p): WorkerTask => ({ kind: "sweep", job, k0: bounds[p]!, k1 }));
  return runTasks(tasks, (task) => (task.kind === "sweep" ? sweep(task.job, task.k0, task.k1) : unreachable()));
}

function unreachable(): never {
  throw new Error("sweep-threads: unexpected task kind (internal error)");
}
