/**
 * A worker thread of the exact sweep (sweep-threads.ts): runs the requested key range with the same code as the main
 * thread and answers on its port, then raises the shared flag that the blocked main thread waits on.
 */
import { type MessagePort, workerData } from "node:worker_threads";
import { sweepRange } from "./proof-sweep.js";
import type { SweepAnswer, SweepRequest } from "./sweep-threads.js";

const port = (workerData as { port: MessagePort }).port;
port.on("message", (request: SweepRequest) => {
  const { job, k0, k1, flag } = request;
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  let answer: SweepAnswer;
  try {
    answer = { part: sweepRange(job, k0, k1) };
  } catch (e) {
    answer = { error: e instanceof Error ? e.message : String(e) };
  }
  if ("part" in answer) {
    const { proven, times, rest } = answer.part;
    port.postMessage(answer, [proven.buffer, times.buffer, rest.buffer] as ArrayBuffer[]);
  }
  else port.postMessage(answer);
  Atomics.store(flag, 0, 2);
  Atomics.notify(flag, 0);
});
