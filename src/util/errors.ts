/**
 * Errors a user can act on. Every message names what was wrong (file, ONNX node, limit) and ends with what to try.
 * The CLI maps `exitCode` to the process exit status: 2 = bad input, 3 = does not fit the target.
 */
export class SpikecError extends Error {
  constructor(
    message: string,
    readonly hint: string,
    readonly exitCode: number = 2,
  ) {
    super(message);
    this.name = "SpikecError";
  }

  /** Message and hint as printed by the CLI. */
  describe(): string {
    return this.hint ? `${this.message}\n  try: ${this.hint}` : this.message;
  }
}

/** A model or data file that cannot be used as given (exit 2). */
export class InputError extends SpikecError {
  constructor(message: string, hint: string) {
    super(message, hint, 2);
    this.name = "InputError";
  }
}

/** A pass left IR that breaks an invariant: a bug in spikec, not in the user's input. */
export class VerifyError extends Error {
  constructor(pass: string, message: string) {
    super(`internal check failed after pass '${pass}': ${message}`);
    this.name = "VerifyError";
  }
}
