/**
 * `spikec compile --emit FORMAT…`: extra artefacts written beside network.json, one writer per format. Add a format
 * by adding an entry here (the option's choices are this table's keys).
 */
import { join } from "node:path";
import type { Compiled } from "../compile.js";
import { exportNir } from "../nir/export.js";
import { writeNirFile } from "../nir/write.js";
import { writeLavaProgram } from "../backends/lava/emit.js";
import { InputError } from "../util/errors.js";
import { buildCoresConfig } from "../backends/loihi/build.js";
import { writeCoresFile } from "../backends/loihi/files.js";
import { originsOf } from "../place/origins.js";

export type Emitter = (dir: string, compiled: Compiled) => Promise<string[]>;

export const EMITTERS: Record<string, Emitter> = {
  /** DIR/model.nir: the NIR graph of the TTFS network (src/nir/export.ts). */
  nir: async (dir, compiled) => {
    const file = join(dir, "model.nir");
    await writeNirFile(file, exportNir(compiled.net));
    return [file];
  },
  /** DIR/lava/network.py + arrays: the HW IR as a Lava program (src/backends/lava/). */
  lava: async (dir, compiled) => {
    if (!compiled.hw) throw new InputError("--emit lava needs a network lowered for a Loihi chip", "add --target loihi2");
    const r = writeLavaProgram(dir, compiled.hw.net, compiled.hw.target);
    for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
    return r.files.slice(0, 1);
  },
  /** DIR/loihi/cores.json + cores.bin: the placed network's per-core configuration (src/backends/loihi/). */
  loihi: async (dir, compiled) => {
    if (!compiled.hw) throw new InputError("--emit loihi needs a network lowered for a Loihi chip", "add --target loihi1 or --target loihi2");
    return writeCoresFile(dir, buildCoresConfig(compiled.hw.placement, originsOf(compiled.net)));
  },
};

export const EMIT_FORMATS = Object.keys(EMITTERS);

/** Writes every requested format; returns the files written. */
export async function emitAll(formats: readonly string[], dir: string, compiled: Compiled): Promise<string[]> {
  const files: string[] = [];
  for (const f of new Set(formats)) files.push(...(await EMITTERS[f]!(dir, compiled)));
  return files;
}
