import { VerifyError } from "./errors.js";

/**
 * A compiler pass: a named pure function from one IR to the next, with a verifier for the invariants of what it
 * returns (MLIR's rule: every pass leaves IR that its verifier accepts).
 */
export interface Pass<In, Out> {
  name: string;
  /** One line: what the pass does and why. */
  description: string;
  run(input: In): Out;
  /** Throws (with a message naming the broken invariant) when `output` is not valid. */
  verify(output: Out): void;
}

/** Runs a pass and its verifier; a failed verifier becomes a VerifyError naming the pass. */
export function runPass<In, Out>(pass: Pass<In, Out>, input: In): Out {
  const output = pass.run(input);
  try {
    pass.verify(output);
  } catch (e) {
    throw new VerifyError(pass.name, e instanceof Error ? e.message : String(e));
  }
  return output;
}

/** Runs passes of one IR type in order. */
export function runPasses<T>(passes: readonly Pass<T, T>[], input: T): T {
  return passes.reduce((ir, p) => runPass(p, ir), input);
}
