/**
 * A worker thread of the exact simulator (threads.ts): runs the requested task with the same code as the main thread
 * and answers on its port, then raises the shared flag that the blocked main thread waits on.
 */
import { type MessagePort, workerData } from "node:worker_threads";
import { runTerms } from "./drive-threads.js";
import { sweepRange } from "./proof-sweep.js";
import type { WorkerAnswer, WorkerRequest, WorkerResult, WorkerTask } from "./threads.js";

function run(task: WorkerTask): WorkerResult {
  if (task.kind === "sweep") return sweepRange(task.job, task.k0, task.k1);
  return runTerms(task);
}

const port = (workerData as { port: MessagePort }).port;
port.on("message", (request: WorkerRequest) => {
  const { task, flag } = request;
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  let answer: WorkerAnswer;
  try {
    answer = { result: run(task) };
  } catch (e) {
    answer = { error: e instanceof Error ? e.message : String(e) };
  }
  if (!("result" in answer)) port.postMessage(answer);
  else if (answer.result instanceof Float64Array) port.postMessage(answer, [answer.result.buffer] as ArrayBuffer[]);
  else if ("excitatory" in answer.result) port.postMessage(answer, [answer.result.out.buffer, answer.result.excitatory.buffer] as ArrayBuffer[]);
  else {
    const { proven, times, rest } = answer.result;
    port.postMessage(answer, [proven.buffer, times.buffer, rest.buffer] as ArrayBuffer[]);
  }
  Atomics.store(flag, 0, 2);
  Atomics.notify(flag, 0);
});
