/**
 * Projections applied to a batch in parts on worker threads (threads.ts): every sample's output depends on that
 * sample's inputs only, so the batch is cut into contiguous sample ranges; each part adds its terms, in the same
 * order, to its slice of the running sum, which is bit-identical to one thread. With an excitatory sum as well, the
 * terms are convolutions applied in one pass with their excitatory part (conv2d-signed.ts).
 */
import { product, type Term } from "../../ann/graph.js";
import { conv2dSignedAccumulate } from "../../ann/kernels/conv2d-signed.js";
import { applyTerm, convArgs } from "../../ann/term.js";
import { partCount, runTasks, type SignedPart, type WorkerTask } from "./threads.js";

/** Below this many multiply-adds, the copies to and from a worker do not pay. */
const MIN_WORK = 2e7;

/** Multiply-adds of one term for one sample. */
function termWork(term: Term, outShape: readonly number[]): number {
  const size = product(outShape);
  return term.kind === "conv" ? term.weight.length * (size / outShape[0]!) : term.kind === "dense" ? term.weight.length : size;
}

type TermsTask = Extract<WorkerTask, { kind: "terms" }>;

/** Runs a "terms" task on this thread (the main thread's part, or a worker's): its updated sums. */
export function runTerms(task: TermsTask): Float64Array | SignedPart {
  const { terms, xs, inShapes, outShape, batch, out, excitatory } = task;
  terms.forEach((t, k) => {
    if (!excitatory) applyTerm(t, xs[k]!, inShapes[k]!, outShape, batch, out);
    else if (t.kind === "conv") conv2dSignedAccumulate(convArgs(t, xs[k]!, inShapes[k]!, outShape, batch, out), excitatory);
    else throw new Error(`drive-threads: a ${t.kind} term has no one-pass excitatory form (internal error)`);
  });
  return excitatory ? { out, excitatory } : out;
}

/** out[b] += Σ_k terms[k](xs[k][b]) for every sample b, terms in order (as applyTerm one after the other). */
export function applyTermsInParts(terms: Term[], xs: Float64Array[], inShapes: number[][], outShape: number[], batch: number, out: Float64Array): void {
  inParts(terms, xs, inShapes, outShape, batch, out);
}

/**
 * out[b] += Σ_k terms[k](xs[k][b]) and excitatory[b] += Σ_k terms[k]⁺(xs[k][b]), every term a convolution, each in
 * one pass (conv2dSignedAccumulate).
 */
export function applySignedInParts(terms: Term[], xs: Float64Array[], inShapes: number[][], outShape: number[], batch: number, out: Float64Array, excitatory: Float64Array): void {
  inParts(terms, xs, inShapes, outShape, batch, out, excitatory);
}

function inParts(terms: Term[], xs: Float64Array[], inShapes: number[][], outShape: number[], batch: number, out: Float64Array, excitatory?: Float64Array): void {
  const work = batch * terms.reduce((s, t) => s + termWork(t, outShape), 0);
  const parts = work >= MIN_WORK ? Math.min(partCount(), batch) : 1;
  if (parts === 1) {
    runTerms({ kind: "terms", terms, xs, inShapes, outShape, batch, out, excitatory });
    return;
  }
  const size = product(outShape);
  const inSizes = inShapes.map((s) => product(s));
  const bounds = Array.from({ length: parts + 1 }, (_, p) => Math.round((batch * p) / parts));
  // The part run here works on views; the workers' parts on copies (a view would send its whole buffer).
  const tasks = bounds.slice(1).map((b1, p): WorkerTask => {
    const b0 = bounds[p]!;
    const cut = (a: Float64Array, n: number) => (p === 0 ? a.subarray(b0 * n, b1 * n) : a.slice(b0 * n, b1 * n));
    return {
      kind: "terms", terms, xs: xs.map((x, k) => cut(x, inSizes[k]!)), inShapes, outShape, batch: b1 - b0, out: cut(out, size),
      excitatory: excitatory && cut(excitatory, size),
    };
  });
  const results = runTasks(tasks, (task) => {
    if (task.kind !== "terms") throw new Error("drive-threads: unexpected task kind (internal error)");
    return runTerms(task);
  });
  results.forEach((r, p) => {
    if (p === 0) return;
    if (r instanceof Float64Array) out.set(r, bounds[p]! * size);
    else if ("excitatory" in r) {
      out.set(r.out, bounds[p]! * size);
      excitatory!.set(r.excitatory, bounds[p]! * size);
    }
  });
}
