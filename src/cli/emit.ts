/**
 * `spikec compile --emit FORMAT…`: extra artefacts written beside network.json, one writer per format. Add a format
 * by adding an entry here (the option's choices are this table's keys).
 */
import { join } from "node:path";
import type { Compiled } from "../compile.js";
import { exportNir } from "../nir/export.js";
import { writeNirFile } from "../nir/write.js";

export type Emitter = (dir: string, compiled: Compiled) => Promise<string[]>;

export const EMITTERS: Record<string, Emitter> = {
  /** DIR/model.nir: the NIR graph of the TTFS network (src/nir/export.ts). */
  nir: async (dir, compiled) => {
    const file = join(dir, "model.nir");
    await writeNirFile(file, exportNir(compiled.net));
    return [file];
  },
};

export const EMIT_FORMATS = Object.keys(EMITTERS);

/** Writes every requested format; returns the files written. */
export async function emitAll(formats: readonly string[], dir: string, compiled: Compiled): Promise<string[]> {
  const files: string[] = [];
  for (const f of new Set(formats)) files.push(...(await EMITTERS[f]!(dir, compiled)));
  return files;
}
