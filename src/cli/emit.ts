/**
 * `spikec compile --emit FORMAT…`: extra artefacts written beside network.json, one writer per format. Add a format
 * by adding an entry here (the option's choices are this table's keys).
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Compiled } from "../compile.js";
import { exportNir } from "../nir/export.js";
import { writeNirFile } from "../nir/write.js";
import { checkNirGraph } from "../nir/check.js";
import type { NirGraph } from "../nir/graph.js";
import { describeIssue } from "../nir/issues.js";
import { buildLavaProgram, LAVA_DIR, LAVA_PROGRAM, writeLavaFiles } from "../backends/lava/emit.js";
import { FOLDER_FILES } from "./output-guard.js";
import { NETWORK_FILE } from "../snn/serialize.js";
import { HW_FILE } from "../hw/serialize.js";
import { InputError } from "../util/errors.js";
import { buildCoresConfig } from "../backends/loihi/build.js";
import { writeCoresFile } from "../backends/loihi/files.js";
import { originsOf } from "../place/origins.js";

/**
 * An extra format in two phases: `plan` builds it in memory and refuses what the format cannot express (compile runs
 * every plan before it writes any file, so a refusal leaves the folder as it was); the writer it returns only writes.
 */
export type Emitter = (compiled: Compiled) => EmitWriter;
export type EmitWriter = (dir: string) => Promise<string[]>;

/** Formats that write the network lowered for a chip, and the --target each needs. */
const NEEDS_TARGET: Record<string, string> = { lava: "add --target loihi2", loihi: "add --target loihi1 or --target loihi2" };

/** Refuses a format that needs a lowered network when there is none (compile checks before its work, emitters again). */
export function requireLowered(formats: readonly string[], lowered: boolean): void {
  if (lowered) return;
  for (const f of formats) if (f in NEEDS_TARGET) throw new InputError(`--emit ${f} needs a network lowered for a Loihi chip`, NEEDS_TARGET[f]!);
}

export const EMITTERS: Record<string, Emitter> = {
  /** DIR/model.nir: the NIR graph of the TTFS network (src/nir/export.ts). */
  nir: (compiled) => {
    const graph = exportNir(compiled.net);
    return async (dir) => {
      const file = join(dir, "model.nir");
      await writeNirFile(file, graph);
      noteNirFile(graph, file);
      return [file];
    };
  },
  /** DIR/lava/network.py + arrays: the HW IR as a Lava program (src/backends/lava/). */
  lava: (compiled) => {
    requireLowered(["lava"], compiled.hw !== undefined);
    const { evaluation } = compiled.hw!.choice;
    // The chip's logits on the calibration samples it ran: what a CPU run of the program is measured against.
    const check = { x: compiled.hw!.samples, n: evaluation.samples, chipLogits: evaluation.logits };
    const built = buildLavaProgram(compiled.hw!.net, compiled.hw!.target, "hw.json", check);
    return async (dir) => {
      const r = writeLavaFiles(dir, built);
      for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
      return r.files.slice(0, 1);
    };
  },
  /** DIR/loihi/cores.json + cores.bin: the placed network's per-core configuration (src/backends/loihi/). */
  loihi: (compiled) => {
    requireLowered(["loihi"], compiled.hw !== undefined);
    const cfg = buildCoresConfig(compiled.hw!.placement, originsOf(compiled.net));
    return async (dir) => writeCoresFile(dir, cfg);
  },
};

export const EMIT_FORMATS = Object.keys(EMITTERS);

/** What a compile may write beside network.json and hw.json (a pair's .bin goes with its .json; lava/ by its program). */
const OTHER_OUTPUTS = [...FOLDER_FILES.filter((f) => !f.endsWith(".bin") && f !== NETWORK_FILE && f !== HW_FILE), join(LAVA_DIR, LAVA_PROGRAM)];

/**
 * Outputs of an earlier run left in DIR that this run did not rewrite (an --emit format, or report.html, not asked
 * for this time): they describe another network. Not removed (the user may want them), but said.
 */
export function staleOutputs(dir: string, written: readonly string[]): string[] {
  const fresh = new Set(written.map((f) => resolve(f)));
  return OTHER_OUTPUTS.map((f) => join(dir, f)).filter((f) => existsSync(f) && !fresh.has(resolve(f)));
}

/** Plans every requested format (may refuse); returns their writers, to run once the network's own files are written. */
export function planEmits(formats: readonly string[], compiled: Compiled): EmitWriter[] {
  return [...new Set(formats)].map((f) => EMITTERS[f]!(compiled));
}

/** Runs planned writers; returns the files written. */
export async function emitAll(writers: readonly EmitWriter[], dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const w of writers) files.push(...(await w(dir)));
  return files;
}

/**
 * On stderr, what a written NIR file does not carry and what other tools will make of it: the network's parts NIR
 * cannot express (recorded in metadata), and the warnings `spikec nir check` would give the file (e.g. a non-square
 * kernel, whose type the reference nir package infers wrongly, so that nir.read rejects the file). A file other
 * tools reject must not be written silently.
 */
export function noteNirFile(graph: NirGraph, file: string): void {
  const spikec = graph.metadata.spikec as { not_expressible?: string[] };
  for (const n of spikec.not_expressible ?? []) process.stderr.write(`note: ${file}: not expressible in NIR (recorded in metadata): ${n}\n`);
  for (const w of checkNirGraph(graph, file).warnings) process.stderr.write(`warning: ${file}: ${describeIssue(w)}\n`);
}
