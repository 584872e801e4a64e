/**
 * Runs the exact sweep (proof-sweep.ts) on several threads: its (sample, position) keys are independent, so the key
 * range is cut into contiguous parts of about equal neuron counts, the first part runs here and the others on worker
 * threads, and the parts are merged in key order. Every neuron gets the same arithmetic wherever it runs, so the result
 * is bit-identical to one thread.
 *
 * simulateSpiking is synchronous, so the main thread blocks on a shared flag (Atomics.wait) and takes the worker's
 * answer with receiveMessageOnPort. SPIKEC_THREADS=1 keeps everything on the main thread (default: the cores, at most
 * 8). The workers need the compiled sweep-worker.js next to this file: when running from TypeScript source (vitest)
 * it is absent and the sweep stays on the main thread.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort } from "node:worker_threads";
import type { SweepJob, SweepPart } from "./proof-sweep.js";

/** Below this much work (neurons × receptive-field width) a worker's start-up and the copy of the inputs do not pay. */
const MIN_WORK = 2e7;
/** A worker that has not picked its part up by then is taken as broken: the part runs here instead. */
const START_TIMEOUT_MS = 30_000;

/** Key ranges run on worker threads so far (tests check that the threaded path ran). */
export const sweepThreadStats = { workerParts: 0 };

/** A request to a sweep worker; flag: 0 sent, 1 picked up, 2 answered on the port. */
export interface SweepRequest {
  job: SweepJob;
  k0: number;
  k1: number;
  flag: Int32Array;
}

/** A sweep worker's answer. */
export type SweepAnswer = { part: SweepPart } | { error: string };

/** The number of threads for the sweep: SPIKEC_THREADS, else the available cores (at most 8). */
export function sweepThreads(): number {
  const env = process.env.SPIKEC_THREADS;
  const n = env === undefined || env === "" ? availableParallelism() : Number(env);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, 8) : 1;
}

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
  const threads = work >= MIN_WORK ? sweepThreads() : 1;
  const workers = threads > 1 ? workerPool(threads - 1) : [];
  if (workers.length === 0) return [sweep(job, 0, keys)];
  const bounds = splitKeys(job.start, workers.length + 1);
  const flags = workers.map((w, p) => {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const request: SweepRequest = { job, k0: bounds[p + 1]!, k1: bounds[p + 2]!, flag };
    w.port.postMessage(request);
    return flag;
  });
  const parts = [sweep(job, bounds[0]!, bounds[1]!)];
  workers.forEach((w, p) => parts.push(awaitPart(w, flags[p]!) ?? sweep(job, bounds[p + 1]!, bounds[p + 2]!)));
  return parts;
}

/** Blocks until the worker answers; undefined (and the pool dropped) if it never picked the request up. */
function awaitPart(w: SweepWorker, flag: Int32Array): SweepPart | undefined {
  if (Atomics.load(flag, 0) === 0 && Atomics.wait(flag, 0, 0, START_TIMEOUT_MS) === "timed-out" && Atomics.load(flag, 0) === 0) {
    for (const x of pool ?? []) void x.worker.terminate();
    pool = [];
    return undefined;
  }
  while (Atomics.load(flag, 0) !== 2) Atomics.wait(flag, 0, 1);
  const answer = receiveMessageOnPort(w.port)?.message as SweepAnswer | undefined;
  if (!answer) throw new Error("sweep worker: answered without a message (internal error)");
  if ("error" in answer) throw new Error(`sweep worker failed: ${answer.error}`);
  sweepThreadStats.workerParts++;
  return answer.part;
}

interface SweepWorker {
  worker: Worker;
  port: MessagePort;
}

/** The workers, started on first use and kept (unref'd: they do not keep the process alive). */
let pool: SweepWorker[] | undefined;

function workerPool(n: number): SweepWorker[] {
  const url = new URL("./sweep-worker.js", import.meta.url);
  if (pool === undefined) pool = existsSync(fileURLToPath(url)) ? [] : undefined;
  if (pool === undefined) return [];
  while (pool.length < n) {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(url, { workerData: { port: port2 }, transferList: [port2] });
    worker.unref();
    port1.unref();
    pool.push({ worker, port: port1 });
  }
  return pool.slice(0, n);
}
