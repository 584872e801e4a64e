/**
 * The `spikec` command line. Each command lives in its own module under ./commands and is listed here;
 * their names and flags are a contract that scripts rely on.
 */
import yargs from "yargs";
import type { Argv } from "yargs";
import { InputError, SpikecError } from "../util/errors.js";
import { commands } from "./commands/index.js";
import { printError } from "./print-error.js";
import { TYPED, type Typed } from "./options.js";
import { EMIT_FORMATS } from "./emit.js";

/** The parts of yargs' option table that tell a repeated option from a list option. */
interface OptionTable {
  key: Record<string, unknown>;
  array: string[];
  boolean: string[];
  alias: Record<string, string[]>;
  demandedOptions: Record<string, unknown>;
}

/**
 * Refuses an option given twice: yargs then passes an array, which every single-value option downstream would
 * misread (a path "must be of type string", a number NaN). List options (--emit) take repeats.
 */
function refuseRepeated(argv: Record<string, unknown>, options: OptionTable): void {
  const lists = new Set(options.array);
  for (const key of Object.keys(options.key)) {
    const value = argv[key];
    const names = [key, ...(options.alias[key] ?? [])];
    if (!Array.isArray(value) || names.some((n) => lists.has(n))) continue;
    const longest = names.sort((a, b) => b.length - a.length)[0]!;
    const flag = longest.length === 1 ? `-${longest}` : `--${longest}`;
    throw new InputError(`${flag} was given more than once (${value.map(String).join(", ")})`, `give ${flag} once`);
  }
}

/** Output path options: their own check says what an empty value lacks (checkOutputPath: "name the file to write after …"). */
const OUTPUT_OPTIONS = new Set(["out", "o", "output", "raster"]);

/**
 * Refuses, in the words typed, an empty option value (`--margin ""`, `--calib=`) and `--no-NAME` for an option that
 * takes a value: yargs reads the first as 0 or "" and the second as false, which then pass as a margin of 0 or a
 * missing file's name.
 */
function refuseEmptyAndNegated(words: readonly string[], options: OptionTable): void {
  const valued = (name: string) => name in options.key && !options.boolean.includes(name);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === "--") break;
    const m = /^--([^=]+)(=(.*))?$/.exec(w);
    if (!m) continue;
    const name = m[1]!;
    const negated = /^no-(.+)$/.exec(name)?.[1];
    if (negated !== undefined && !(name in options.key) && valued(negated))
      throw new InputError(`--${name}: --${negated} takes a value and has no "no-" form`, `leave out --${name}, or give --${negated} a value`);
    if (!valued(name) || OUTPUT_OPTIONS.has(name)) continue;
    const value = m[2] !== undefined ? m[3]! : words[i + 1];
    if (value !== undefined && value.trim() === "")
      throw new InputError(`--${name} is empty`, name in options.demandedOptions ? `name the value after --${name}` : `give --${name} a value, or leave it out`);
  }
}

/**
 * Joins an option and a value that starts with a minus sign and a digit (`--input-range -1,1` → `--input-range=-1,1`):
 * yargs reads such a word as short flags ("Unknown argument: 1") unless it is one plain number. No spikec option or
 * flag starts with "-<digit>", so the word can only be that value.
 */
function joinNegativeValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const next = args[i + 1];
    if (w === "--") return [...out, ...args.slice(i)];
    if (/^--[^=]+$/.test(w) && next !== undefined && /^-\.?\d/.test(next)) {
      out.push(`${w}=${next}`);
      i++;
    } else out.push(w);
  }
  return out;
}

export function buildCli(typed: string[]): Argv {
  const args = joinNegativeValues(typed);
  let cli = yargs(args)
    .scriptName("spikec")
    .usage("$0 <command> [options]\n\nCompile trained ReLU networks (ONNX) into exact single-spike SNNs and fit them onto neuromorphic chips.")
    .strict()
    .demandCommand(1, "Name a command; `spikec --help` lists them.")
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((msg, err) => {
      throw err ?? new SpikecError(msg, emitSwallowed(args, msg) ?? "run the command with --help to see its options and an example");
    })
    // Before yargs' own checks, whose message for a repeated option (invalid choice ["a", "a"]) hides the cause.
    .middleware((argv, y?: unknown) => {
      const table = (y as { getOptions(): OptionTable }).getOptions();
      refuseEmptyAndNegated(args, table);
      refuseRepeated(argv, table);
      (argv as Typed)[TYPED] = args;
    }, true);
  for (const command of commands) cli = cli.command(command);
  return cli.help().version();
}

/**
 * --emit takes every word after it, so `compile --emit nir model.onnx …` leaves no model path, and yargs says only "Not
 * enough non-option arguments" (an audit). The hint names the word it took.
 */
function emitSwallowed(args: readonly string[], msg: string): string | null {
  if (!/^Not enough non-option arguments/.test(msg)) return null;
  const at = args.indexOf("--emit");
  if (at < 0) return null;
  const taken = args.slice(at + 1).find((a) => !a.startsWith("-") && !a.split(",").every((f) => EMIT_FORMATS.includes(f)));
  return taken === undefined ? null : `--emit took '${taken}' as a format: put --emit after the model path, or end its list with another option`;
}

/** Refuses a first word that names no command (yargs would say "Unknown argument: bogus"). */
function refuseUnknownCommand(args: readonly string[]): void {
  const word = args[0];
  if (word === undefined || word.startsWith("-")) return;
  const names = commands.map((c) => String(c.command).split(" ")[0]!);
  if (names.includes(word)) return;
  throw new InputError(`unknown command '${word}'`, `spikec --help lists the commands: ${names.join(", ")}`);
}

/** Runs the CLI and returns the exit code (0 success, 1 SNN mismatch, 2 bad input, 3 does not fit). */
export async function main(args: string[]): Promise<number> {
  process.exitCode = 0;
  try {
    refuseUnknownCommand(args);
    await buildCli(args).parseAsync();
    return Number(process.exitCode ?? 0);
  } catch (e) {
    // With --json, stdout stays parseable when a command fails: one error object (the text goes to stderr as always).
    const json = args.some((a) => a === "--json" || a === "--json=true");
    if (e instanceof SpikecError) {
      printError(e);
      if (json) process.stdout.write(JSON.stringify({ error: { message: e.message, hint: e.hint, exitCode: e.exitCode } }) + "\n");
      return e.exitCode;
    }
    const err = e as Error;
    process.stderr.write(`spikec: internal error: ${err.stack ?? err.message}\nThis is a bug in spikec; please report it with the command you ran.\n`);
    if (json) process.stdout.write(JSON.stringify({ error: { message: `internal error: ${err.message}`, hint: "this is a bug in spikec; please report it with the command you ran", exitCode: 70 } }) + "\n");
    return 70;
  }
}
