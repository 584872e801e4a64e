/** Options shared by several commands, and the checks that keep outputs from overwriting inputs. */
import { resolve } from "node:path";
import type { Argv } from "yargs";
import type { CompileOptions } from "../compile.js";
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

export interface HardwareArgs {
  target?: string;
  ticks?: number;
  agreement: number;
  "channel-windows": boolean;
}

/** --target, --ticks, --agreement: lowering to a chip (compile, verify). */
export function hardwareOptions<T>(y: Argv<T>): Argv<T & HardwareArgs> {
  return y
    .option("target", { type: "string", describe: "Also lower to a chip: a bundled target id (loihi2, loihi1) or a target XML file" })
    .option("ticks", { type: "number", describe: "Ticks per window on the chip (default: the smallest reaching --agreement on the calibration data)" })
    .option("agreement", { type: "number", default: 0.99, describe: "Tick search goal: cycle-simulation agreement with the ANN on the calibration data" })
    .option("channel-windows", {
      type: "boolean",
      default: true,
      describe: "Chip windows per channel (dense: per neuron) at each one's calibrated maximum, finer ticks for small channels; --no-channel-windows: one window per layer",
    }) as Argv<T & HardwareArgs>;
}

/** The compile options every command that compiles takes from its arguments. */
export function compileOptionsFrom(
  args: MappingArgs & Partial<HardwareArgs>,
  onProgress: (stage: string, done: number, total: number) => void,
): CompileOptions {
  return {
    model: args.neuron,
    margin: args.margin,
    inputRange: parseRange(args["input-range"]),
    onProgress,
    target: args.target,
    ticks: args.ticks,
    agreement: args.agreement,
    channelWindows: args["channel-windows"],
  };
}
