/**
 * Worker threads for the exact simulator's heavy, data-parallel steps: the sweep proof over (sample, position) keys
 * (sweep-threads.ts) and the projections over samples (drive-threads.ts). A step is cut into contiguous parts; the
 * first runs here, the others on workers, and the answers come back in part order. Every element gets the same
 * arithmetic wherever it runs, so results are bit-identical to one thread.
 *
 * simulateSpiking is synchronous, so the main thread blocks on a shared flag (Atomics.wait) and takes each worker's
 * answer with receiveMessageOnPort. SPIKEC_THREADS=1 keeps everything on the main thread (default: the cores, at most
 * 8). The workers need the compiled worker.js next to this file: when running from TypeScript source (vitest) it is
 * absent and everything stays on the main thread.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort } from "node:worker_threads";
import type { Term } from "../../ann/graph.js";
import type { SweepJob, SweepPart } from "./proof-sweep.js";

/**
 * A worker task: a key range of the sweep, or terms applied to a slice of samples (out holds their running sum; with
 * `excitatory`, convolutions that also add their excitatory part to it: drive-threads.ts).
 */
export type WorkerTask =
  | { kind: "sweep"; job: SweepJob; k0: number; k1: number }
  | { kind: "terms"; terms: Term[]; xs: Float64Array[]; inShapes: number[][]; outShape: number[]; batch: number; out: Float64Array; excitatory?: Float64Array };

/** The updated running sums of a "terms" task with excitatory parts. */
export interface SignedPart {
  out: Float64Array;
  excitatory: Float64Array;
}

/** A task's result: the sweep's part, the terms' updated out, or out and excitatory. */
export type WorkerResult = SweepPart | Float64Array | SignedPart;

/** A request to a worker; flag: 0 sent, 1 picked up, 2 answered on the port. */
export interface WorkerRequest {
  task: WorkerTask;
  flag: Int32Array;
}

/** A worker's answer. */
export type WorkerAnswer = { result: WorkerResult } | { error: string };

/** Tasks run on worker threads so far (tests check that the threaded path ran). */
export const threadStats = { workerTasks: 0 };

/** A worker that has not picked its task up by then is taken as broken: the task runs here instead. */
const START_TIMEOUT_MS = 30_000;

/** The number of threads: SPIKEC_THREADS, else the available cores (at most 8). */
export function threadCount(): number {
  const env = process.env.SPIKEC_THREADS;
  const n = env === undefined || env === "" ? availableParallelism() : Number(env);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, 8) : 1;
}

/** How many parts to cut a step into: 1 when workers are unavailable or disabled. */
export function partCount(): number {
  const n = threadCount();
  return n > 1 ? workerPool(n - 1).length + 1 : 1;
}

/**
 * Runs tasks[0] here (with `run`) and the others on workers (at most partCount() − 1 of them); results in task order.
 * A task whose worker never started also runs here.
 */
export function runTasks<R extends WorkerResult>(tasks: WorkerTask[], run: (task: WorkerTask) => R): R[] {
  const workers = workerPool(tasks.length - 1);
  const flags = tasks.slice(1).map((task, p) => {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const request: WorkerRequest = { task, flag };
    if (workers[p]) workers[p].port.postMessage(request);
    return flag;
  });
  const results = [run(tasks[0]!)];
  tasks.slice(1).forEach((task, p) => results.push((workers[p] && (awaitResult(workers[p], flags[p]!) as R | undefined)) ?? run(task)));
  return results;
}

/** Blocks until the worker answers; undefined (and the pool dropped) if it never picked the request up. */
function awaitResult(w: PoolWorker, flag: Int32Array): WorkerResult | undefined {
  if (Atomics.load(flag, 0) === 0 && Atomics.wait(flag, 0, 0, START_TIMEOUT_MS) === "timed-out" && Atomics.load(flag, 0) === 0) {
    for (const x of pool ?? []) void x.worker.terminate();
    pool = [];
    return undefined;
  }
  while (Atomics.load(flag, 0) !== 2) Atomics.wait(flag, 0, 1);
  const answer = receiveMessageOnPort(w.port)?.message as WorkerAnswer | undefined;
  if (!answer) throw new Error("exact-simulator worker answered without a message (internal error)");
  if ("error" in answer) throw new Error(`exact-simulator worker failed: ${answer.error}`);
  threadStats.workerTasks++;
  return answer.result;
}

interface PoolWorker {
  worker: Worker;
  port: MessagePort;
}

/** The workers, started on first use and kept (unref'd: they do not keep the process alive). */
let pool: PoolWorker[] | undefined;

function workerPool(n: number): PoolWorker[] {
  if (n <= 0) return [];
  const url = new URL("./worker.js", import.meta.url);
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
