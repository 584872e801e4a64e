import { expect } from "vitest";
import { InputError } from "../../src/util/errors.js";

/** The InputError `f` throws (fails the test when it throws nothing or something else). */
export function inputErrorOf(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error("expected an InputError");
}
