/**
 * `spikec compile --emit FORMAT…`: extra artefacts written beside network.json, one writer per format. Add a format
 * by adding an entry here (the option's choices are this table's keys).
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Compiled } from "../compile.js";
import { exportNir } from "../nir/export.js";
import { writeNirFile } from "../nir/write.js";
import { LAVA_DIR, writeLavaProgram } from "../backends/lava/emit.js";
import { InputError } from "../util/errors.js";
import { buildCoresConfig } from "../backends/loihi/build.js";
import { writeCoresFile } from "../backends/loihi/files.js";
import { originsOf } from "../place/origins.js";

export type Emitter = (dir: string, compiled: Compiled) => Promise<string[]>;

/** Formats that write the network lowered for a chip, and the --target each needs. */
const NEEDS_TARGET: Record<string, string> = { lava: "add --target loihi2", loihi: "add --target loihi1 or --target loihi2" };

/** Refuses a format that needs a lowered network when there is none (compile checks before its work, emitters again). */
export function requireLowered(formats: readonly string[], lowered: boolean): void {
  if (lowered) return;
  for (const f of formats) if (f in NEEDS_TARGET) throw new InputError(`--emit ${f} needs a network lowered for a Loihi chip`, NEEDS_TARGET[f]!);
}

export const EMITTERS: Record<string, Emitter> = {
  /** DIR/model.nir: the NIR graph of the TTFS network (src/nir/export.ts). */
  nir: async (dir, compiled) => {
    const file = join(dir, "model.nir");
    await writeNirFile(file, exportNir(compiled.net));
    return [file];
  },
  /** DIR/lava/network.py + arrays: the HW IR as a Lava program (src/backends/lava/). */
  lava: async (dir, compiled) => {
    requireLowered(["lava"], compiled.hw !== undefined);
    const r = writeLavaProgram(dir, compiled.hw!.net, compiled.hw!.target);
    for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
    return r.files.slice(0, 1);
  },
  /** DIR/loihi/cores.json + cores.bin: the placed network's per-core configuration (src/backends/loihi/). */
  loihi: async (dir, compiled) => {
    requireLowered(["loihi"], compiled.hw !== undefined);
    return writeCoresFile(dir, buildCoresConfig(compiled.hw!.placement, originsOf(compiled.net)));
  },
};

export const EMIT_FORMATS = Object.keys(EMITTERS);

/** Files and folders spikec writes into a compiled folder besides network.json, hw.json and report.json. */
const OTHER_OUTPUTS = ["model.nir", join("loihi", "cores.json"), join(LAVA_DIR, "network.py"), "report.json", "report-data.json", "report.html"];

/**
 * Outputs of an earlier run left in DIR that this run did not rewrite (an --emit format, or report.html, not asked
 * for this time): they describe another network. Not removed (the user may want them), but said.
 */
export function staleOutputs(dir: string, written: readonly string[]): string[] {
  const fresh = new Set(written.map((f) => resolve(f)));
  return OTHER_OUTPUTS.map((f) => join(dir, f)).filter((f) => existsSync(f) && !fresh.has(resolve(f)));
}

/** Writes every requested format; returns the files written. */
export async function emitAll(formats: readonly string[], dir: string, compiled: Compiled): Promise<string[]> {
  const files: string[] = [];
  for (const f of new Set(formats)) files.push(...(await EMITTERS[f]!(dir, compiled)));
  return files;
}
