/**
 * Reading input files that must be regular files. A folder fails with EISDIR; a named pipe, a device (/dev/zero, also
 * through a symbolic link) or a socket can block forever or never end, so they are refused by what they are before
 * any read. Symbolic links to regular files are followed.
 */
import { readFileSync, statSync, type Stats } from "node:fs";
import { InputError } from "../util/errors.js";

/** What the path is when it is not a regular file ("a folder", "a named pipe (FIFO)", …); null for a regular file. */
export function notRegularFile(stats: Stats): string | null {
  if (stats.isFile()) return null;
  if (stats.isDirectory()) return "a folder";
  if (stats.isFIFO()) return "a named pipe (FIFO)";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

/** Throws an Error saying what the path is when it is not a regular file (missing: the usual ENOENT error). */
export function checkRegularFile(path: string): Stats {
  const stats = statSync(path);
  const what = notRegularFile(stats);
  if (what !== null) throw new Error(`it is ${what}, not a file`);
  return stats;
}

/** readFileSync for a regular file only; callers wrap the Error in their own InputError. */
export function readRegularFile(path: string): Buffer;
export function readRegularFile(path: string, encoding: "utf8"): string;
export function readRegularFile(path: string, encoding?: "utf8"): Buffer | string {
  checkRegularFile(path);
  return encoding ? readFileSync(path, encoding) : readFileSync(path);
}

/** readRegularFile, failing with the InputError users see: "cannot read PATH: why", and `hint`. */
export function readInputFile(path: string, hint: string): Buffer {
  try {
    return readRegularFile(path);
  } catch (e) {
    throw new InputError(`cannot read ${path}: ${(e as Error).message}`, hint);
  }
}
