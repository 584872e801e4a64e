/** Options shared by several commands, their checks, and the checks that keep outputs from overwriting inputs. */
import { realpathSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Argv } from "yargs";
import { checkAgreementValue, checkMargin, checkTicksValue, type CompileOptions } from "../compile.js";
import { HW_FILE, recordedTargetFile } from "../hw/serialize.js";
import { NETWORK_FILE } from "../snn/serialize.js";
import { InputError } from "../util/errors.js";
import { checkOutputFile, checkOutputFolder } from "../io/atomic.js";

/**
 * The command line as typed, attached to the parsed arguments by buildCli under this key: yargs turns a number
 * option's text into a number ("abc" → NaN, "1e400" → Infinity) and fills in defaults, so messages and "did the user
 * give it" need the words themselves. A symbol: invisible to yargs' strict check of option names.
 */
export const TYPED: unique symbol = Symbol("typed command line");

export interface Typed {
  [TYPED]?: readonly string[];
}

/** Whether the user typed --name (not a default). */
export function wasTyped(args: object, name: string): boolean {
  return ((args as Typed)[TYPED] ?? []).some((a) => a === `--${name}` || a.startsWith(`--${name}=`));
}

/** What the user typed as the value of --name (the last one), else the parsed value. */
export function typed(args: object, name: string, value: unknown): string {
  const words = (args as Typed)[TYPED] ?? [];
  for (let i = words.length - 1; i >= 0; i--) {
    const a = words[i]!;
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
    if (a === `--${name}` && i + 1 < words.length) return words[i + 1]!;
  }
  return String(value);
}

/** Refuses an --option that is not a whole number ≥ min (yargs passes 2.5, NaN and negatives through). */
export function checkInteger(args: object, name: string, value: number | undefined, min: 0 | 1): void {
  if (value === undefined) return;
  if (!(Number.isSafeInteger(value) && value >= min)) {
    throw new InputError(`--${name} ${typed(args, name, value)} must be ${min === 1 ? "a positive integer" : "an integer ≥ 0"}`, `give a whole number ≥ ${min}, e.g. --${name} 10`);
  }
}

/** Refuses --ticks that is not a whole number ≥ 2 (a window's first tick is its start, so one tick holds no value). */
export function checkTicks(args: object, value: number | undefined): void {
  if (value !== undefined) checkTicksValue(value, typed(args, "ticks", value));
}

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

/** Refuses, before any work, an output file option that cannot be written: empty, a folder, under a file, read-only. */
export function checkOutputPath(option: string, path: string): void {
  if (path === "") throw new InputError(`${option} is empty`, `name the file to write after ${option}`);
  checkOutputFile(path);
}

/** As checkOutputPath, for an output folder option (created later, when there is something to write). */
export function checkOutputDir(option: string, dir: string): void {
  if (dir === "") throw new InputError(`${option} is empty`, `name the folder to write after ${option}`);
  checkOutputFolder(dir);
}

/** Whether two paths name one file: the same path, the same file through symbolic links, or hard links to it. */
export function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    if (realpathSync(a) === realpathSync(b)) return true;
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    // One of them does not exist: writing it cannot replace the other.
    return false;
  }
}

/** Refuses an output path that is one of the inputs, under any name (spikec never overwrites a user's input). */
export function refuseOverwrite(output: string, inputs: (string | undefined)[]): void {
  for (const i of inputs) {
    if (i === undefined || !sameFile(output, i)) continue;
    const alias = resolve(i) === resolve(output) ? "" : ` (${i}, the same file under another name)`;
    throw new InputError(`the output ${output} is also an input${alias}`, "choose another output path; spikec never overwrites its inputs");
  }
}

/** Refuses two outputs of one run that are one file (the second would replace the first). */
export function refuseSameOutputs(a: { option: string; path: string }, b: { option: string; path: string }): void {
  if (!sameFile(a.path, b.path)) return;
  throw new InputError(`${a.option} ${a.path} and ${b.option} ${b.path} are the same file`, `give ${a.option} and ${b.option} different paths`);
}

/** The files of a compiled network that a command reads from DIR (or from the network JSON named directly). */
export function networkFiles(dirOrFile: string): string[] {
  let folder = false;
  try {
    folder = statSync(dirOrFile).isDirectory();
  } catch {
    // Missing: the command's loader says so; nothing can be overwritten.
  }
  if (!folder) return [dirOrFile, `${dirOrFile.replace(/\.json$/, "")}.bin`];
  const files = [NETWORK_FILE, "network.bin", HW_FILE, "hw.bin"].map((f) => join(dirOrFile, f));
  // A custom target file that hw.json was lowered for is read too (src/hw/target/for-hw.ts).
  const recorded = recordedTargetFile(join(dirOrFile, HW_FILE));
  return recorded === undefined ? files : [...files, recorded];
}

/** A --target that names a file (an id names a bundled target, which outputs cannot reach by a relative name). */
export function targetFile(target: string | undefined): string | undefined {
  return target !== undefined && (target.includes("/") || target.includes("\\") || target.endsWith(".xml")) ? target : undefined;
}

/** Whether `file` lies directly in `folder` (under any name of either). */
export function isIn(file: string, folder: string): boolean {
  return sameFile(dirname(file), folder);
}

export interface HardwareArgs {
  target?: string;
  ticks?: number;
  agreement: number;
  "channel-windows": boolean;
  "mixed-sign": boolean;
}

/** --target, --ticks, --agreement: lowering to a chip (compile, verify). */
export function hardwareOptions<T>(y: Argv<T>): Argv<T & HardwareArgs> {
  return y
    .option("target", { type: "string", describe: "Also lower to a chip: a bundled target id (loihi2, loihi1) or a target XML file" })
    .option("ticks", { type: "number", describe: "Ticks per window on the chip (default: the smallest of 4, 8, … 512 whose agreement on the calibration data reaches --agreement with a margin: docs/concepts.md)" })
    .option("agreement", {
      type: "number",
      default: 0.99,
      describe:
        "Goal for the cycle simulation's agreement with the ANN: the tick search takes the smallest budget whose agreement on the calibration data reaches it (the lower end of a half-sigma interval); with --ticks, the mark the report judges against; verify --target exits 1 below it on its inputs",
    })
    .option("channel-windows", {
      type: "boolean",
      default: true,
      describe: "Chip windows per channel (dense: per neuron) at each one's calibrated maximum, finer ticks for small channels; --no-channel-windows: one window per layer",
    })
    .option("mixed-sign", {
      type: "boolean",
      default: false,
      describe:
        "One mixed-sign synapse list per projection (Loihi: 7-bit weight magnitudes + sign) instead of an excitatory and an inhibitory list (8 bits each): one sign mode per neuron in a core's synapse-format table and fewer lists (fewer cores where those bind), one weight bit less (measure the agreement: spikec verify --target … --mixed-sign)",
    }) as Argv<T & HardwareArgs>;
}

/** The compile options every command that compiles takes from its arguments. */
export function compileOptionsFrom(
  args: MappingArgs & Partial<HardwareArgs>,
  onProgress: (stage: string, done: number, total: number) => void,
): CompileOptions {
  checkMappingArgs(args);
  checkHardwareArgs(args);
  return {
    model: args.neuron,
    margin: args.margin,
    inputRange: parseRange(args["input-range"]),
    onProgress,
    target: args.target,
    ticks: args.ticks,
    agreement: args.agreement,
    channelWindows: args["channel-windows"],
    mixedSign: args["mixed-sign"],
  };
}

/** --margin: a finite number (its range, [0, MAX_MARGIN], is the compiler's; --input-range is parseRange's). */
export function checkMappingArgs(args: MappingArgs): void {
  if (!Number.isFinite(args.margin)) throw new InputError(`--margin ${typed(args, "margin", args.margin)} is not a finite number`, "use a margin ζ ≥ 0 (default 0.5)");
  checkMargin(args.margin, typed(args, "margin", args.margin));
}

/**
 * --ticks and --agreement: their values, and that there is a --target to lower to. Both may be given: --ticks fixes
 * the budget, --agreement is then the goal the report (and verify's exit status) judges it by. --agreement has a
 * default, so only a typed one counts.
 */
export function checkHardwareArgs(args: Partial<HardwareArgs>): void {
  checkTicks(args, args.ticks);
  const agreement = wasTyped(args, "agreement");
  if (args.agreement !== undefined) checkAgreementValue(args.agreement, typed(args, "agreement", args.agreement));
  if (args.target === undefined) {
    if (args.ticks !== undefined) throw new InputError(`--ticks ${typed(args, "ticks", args.ticks)} needs --target: ticks per window only apply when lowering to a chip`, "add --target loihi2 (or another target), or leave out --ticks");
    if (agreement) throw new InputError(`--agreement ${typed(args, "agreement", args.agreement)} needs --target: it is the goal of the chip's cycle simulation`, "add --target loihi2 (or another target), or leave out --agreement");
    for (const flag of ["channel-windows", "no-channel-windows", "mixed-sign", "no-mixed-sign"])
      if (wasTyped(args, flag)) throw new InputError(`--${flag} needs --target: ${flag.includes("windows") ? "chip windows" : "synapse lists"} only apply when lowering to a chip`, `add --target loihi2 (or another target), or leave out --${flag}`);
  }
}

/**
 * Refuses options typed for a part of a command that will not run (an option silently ignored looks like one that
 * worked): `needs` says what they need, `present` whether it was given.
 */
export function refuseIdle(args: object, names: readonly string[], present: boolean, needs: string, hint: string): void {
  if (present) return;
  const given = names.filter((n) => wasTyped(args, n));
  if (given.length) throw new InputError(`${given.map((n) => `--${n}`).join(", ")} ${given.length === 1 ? "applies" : "apply"} only ${needs}`, hint);
}
