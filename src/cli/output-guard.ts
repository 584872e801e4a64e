/**
 * Output files of the commands that read a compiled folder (simulate, export, report): of the format the option
 * writes, and never one of the folder's own files — a logits .npy over report.json, or a report over network.json,
 * would leave a folder that no longer describes one network.
 */
import { statSync } from "node:fs";
import { dirname, extname, join, relative } from "node:path";
import { CORES_FILE } from "../backends/loihi/files.js";
import { LAVA_DIR } from "../backends/lava/emit.js";
import { HW_FILE } from "../hw/serialize.js";
import { REPORT_DATA_FILE, REPORT_FILE, REPORT_HTML_FILE } from "../report/files.js";
import { NETWORK_FILE } from "../snn/serialize.js";
import { InputError } from "../util/errors.js";
import { outputPlace } from "../io/atomic.js";
import { isIn, sameFile } from "./options.js";

/** The files spikec writes into a compiled folder (relative paths); DIR/lava holds more, named after the network. */
export const FOLDER_FILES = [NETWORK_FILE, "network.bin", HW_FILE, "hw.bin", "model.nir", CORES_FILE, CORES_FILE.replace(/\.json$/, ".bin"), REPORT_FILE, REPORT_DATA_FILE, REPORT_HTML_FILE];

/** The folder of a compiled network given as its folder or as its network.json. */
function folderOf(dirOrFile: string): string {
  try {
    if (statSync(dirOrFile).isDirectory()) return dirOrFile;
  } catch {
    // missing: its loader says so
  }
  return dirname(dirOrFile);
}

/**
 * Refuses an output that is one of the files of the compiled folder DIR (or lies in its lava/ folder), except `own`:
 * the file the command itself rewrites there (report.html for report, model.nir for export nir: the same content
 * for the same network).
 */
export function refuseFolderFile(option: string, output: string, dir: string, own?: string): void {
  const folder = folderOf(dir);
  const hit = FOLDER_FILES.filter((f) => f !== own).find((f) => sameFile(output, join(folder, f)));
  const lava = join(folder, LAVA_DIR);
  if (hit === undefined && !isIn(output, lava)) return;
  const what = hit ?? relative(folder, output);
  throw new InputError(`${option} ${output} is ${what} of the compiled network in ${folder}: writing it would leave that folder describing two different things`, "choose a path outside the compiled folder's own files");
}

/**
 * Refuses an output file whose extension is not one of `extensions` (lower case, with the dot). A device or FIFO
 * (--output /dev/null) has no extension to check.
 */
export function requireExtension(option: string, path: string, extensions: readonly string[], what: string): void {
  if (extensions.includes(extname(path).toLowerCase()) || outputPlace(path).direct) return;
  throw new InputError(`${option} ${path}: spikec writes ${what} there, which needs a ${extensions.join(" or ")} name`, `name the file ${path.replace(/\.[^./]*$/, "")}${extensions[0]}`);
}
