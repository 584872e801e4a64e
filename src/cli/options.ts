/** Options shared by several commands, and the checks that keep outputs from overwriting inputs. */
import { resolve } from "node:path";
import type { Argv } from "yargs";
import { InputError } from "../util/errors.js";

export interface MappingArgs {
  neuron: "alpha" | "b1";
  margin: number;
  "input-range"?: string;
}

export function mappingOptions<T>(y: Argv<T>): Argv<T & MappingArgs> {
  return y
    .option("neuron", {
      choices: ["alpha", "b1"] as const,
      default: "alpha" as const,
      describe: "Neuron model: alpha (exact-mapping paper: one spike per neuron) or b1 (silent for zero activations)",
    })
    .option("margin", { type: "number", default: 0.5, describe: "Window margin ζ: each window is (1 + ζ) × the calibrated maximum" })
    .option("input-range", {
      type: "string",
      describe: "Raw input range LOW,HIGH mapped to the input window (default: from the calibration data)",
    }) as Argv<T & MappingArgs>;
}

export function parseRange(text: string | undefined): { low: number; high: number } | undefined {
  if (text === undefined) return undefined;
  const parts = text.split(",").map((s) => Number(s.trim()));
  if (parts.length !== 2 || parts.some((p) => !Number.isFinite(p)) || !(parts[1]! > parts[0]!)) {
    throw new InputError(`--input-range '${text}' is not LOW,HIGH with LOW < HIGH`, "for example --input-range 0,255");
  }
  return { low: parts[0]!, high: parts[1]! };
}

/** Refuses an output path that is one of the inputs (spikec never overwrites a user's input). */
export function refuseOverwrite(output: string, inputs: (string | undefined)[]): void {
  const out = resolve(output);
  for (const i of inputs) {
    if (i !== undefined && resolve(i) === out) {
      throw new InputError(`the output ${output} is also an input`, "choose another output path; spikec never overwrites its inputs");
    }
  }
}
