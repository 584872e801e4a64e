import { randomBytes } from "node:crypto";
import { accessSync, closeSync, constants as fsConstants, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { sha256 } from "../util/sha256.js";
import { dirname, join, resolve } from "node:path";
import { InputError } from "../util/errors.js";

/** The errno code of a failed file system call, if it is one. */
function codeOf(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === "string" ? code : undefined;
}

// The codes a user meets when writing outputs, in words (the code alone means little to most people).
const REASONS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "the file system is read-only",
  ENOSPC: "no space left on the device",
  EDQUOT: "the disk quota is exceeded",
  // ENOENT where the parent folder exists: a file system that takes no new entries (/proc, /sys).
  ENOENT: "the file system does not allow creating it",
  ENOTDIR: "a part of the path is a file, not a folder",
  EISDIR: "it is a folder",
  EEXIST: "something that is not a folder (a file or a broken link) is already there",
  ENAMETOOLONG: "the name is too long",
  ELOOP: "too many levels of symbolic links",
  EIO: "an input/output error of the device",
};

function reasonOf(e: unknown): string {
  const code = codeOf(e);
  // Node's own text, without the code and the call it repeats: "EXDEV: cross-device link not permitted, rename 'a' -> 'b'".
  const why = (code && REASONS[code]) ?? (e as Error).message.replace(/^[A-Z0-9]+: /, "").replace(/, \w+ '.*$/s, "");
  return code ? `${why} (${code})` : why;
}

function hintOf(e: unknown): string {
  switch (codeOf(e)) {
    case "ENOSPC":
    case "EDQUOT":
      return "free some space, or write the output elsewhere";
    case "EACCES":
    case "EPERM":
    case "EROFS":
    case "ENOENT":
      return "choose an output path in a folder you can write to";
    default:
      return "choose another output path";
  }
}

const isFolder = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/**
 * The folders from `dir` up to its nearest existing ancestor: that ancestor (which must be a folder) and the missing
 * levels below it, top-down. Refuses a path that runs through a file.
 */
function walkUp(dir: string): { existing: string; missing: string[] } {
  const missing: string[] = [];
  let p = resolve(dir === "" ? "." : dir);
  for (;;) {
    let folder: boolean;
    try {
      folder = statSync(p).isDirectory();
    } catch (e) {
      const code = codeOf(e);
      const parent = dirname(p);
      // ENOTDIR: a file further up; keep walking to name it.
      if ((code === "ENOENT" || code === "ENOTDIR") && parent !== p) {
        missing.push(p);
        p = parent;
        continue;
      }
      throw new InputError(`cannot create the folder ${dir}: ${p}: ${reasonOf(e)}`, hintOf(e));
    }
    if (!folder) {
      const what = p === resolve(dir) ? "it is a file, not a folder" : `${p} is a file, not a folder`;
      throw new InputError(`cannot create the folder ${dir}: ${what}`, "choose an output path that does not run through a file");
    }
    return { existing: p, missing: missing.reverse() };
  }
}

/**
 * Creates `dir` and its missing parents, one level at a time. Not mkdirSync(…, {recursive: true}): under /proc that
 * call spins forever (a Node bug), and its errors name neither the level that failed nor why in words.
 */
export function ensureFolder(dir: string): void {
  for (const level of walkUp(dir).missing) {
    try {
      mkdirSync(level);
    } catch (e) {
      // Created meanwhile (another process, or a parallel write): fine when it is a folder.
      if (codeOf(e) === "EEXIST" && isFolder(level)) continue;
      throw new InputError(`cannot create the folder ${level === resolve(dir) ? dir : `${dir} (at ${level})`}: ${reasonOf(e)}`, hintOf(e));
    }
  }
}

/**
 * Refuses, leaving nothing behind, an output folder that cannot be: one running through a file, or under a folder
 * that takes no new files. Commands call it before their work so that a bad path costs nothing. The test is an
 * empty file created and removed at once: permissions alone do not tell (root, read-only mounts, /proc).
 */
export function checkOutputFolder(dir: string, output = dir): void {
  const { existing } = walkUp(dir);
  const probe = join(existing, `.spikec-probe.${process.pid}.${Date.now()}.tmp`);
  try {
    closeSync(openSync(probe, "wx"));
  } catch (e) {
    throw new InputError(`cannot write ${output}: creating a file in ${existing} fails: ${reasonOf(e)}`, hintOf(e));
  }
  rmSync(probe, { force: true });
}

/** An output file path that names no file: empty, or a folder (a rename onto a folder fails only at the end). */
function refuseNonFile(path: string): void {
  if (path === "") throw new InputError("an output path is empty", "name the file to write");
  if (/[\\/]$/.test(path) || isFolder(path)) throw new InputError(`cannot write ${path}: it is a folder, not a file`, "name a file to write (for example one inside that folder)");
}

/** As checkOutputFolder, for an output file: also refuses an empty path and a path that is a folder. */
export function checkOutputFile(path: string): void {
  refuseNonFile(path);
  const place = outputPlace(path);
  if (!place.direct) return checkOutputFolder(dirname(place.file), path);
  try {
    accessSync(place.file, fsConstants.W_OK); // not an open: a FIFO's would wait for its reader
  } catch (e) {
    throw new InputError(`cannot write ${path}: ${reasonOf(e)}`, hintOf(e));
  }
}

let serial = 0;
const swept = new Set<string>();

/** Whether process `pid` is running (signal 0 tests without sending anything; EPERM: running, someone else's). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return codeOf(e) === "EPERM";
  }
}

/** A temporary untouched this long, of a process id not running here, is a killed run's (not a slow live write). */
const STALE_MS = 10 * 60 * 1000;
/** `.spikec-PID-NONCE-N.tmp`, or `.spikec-PID-NONCE-SPACE-N.tmp` with the writer's process-id space (pidSpace). */
const TEMP_NAME = /^\.spikec-(\d+)-[0-9a-f]{8}(?:-([0-9a-f]{8}))?-\d+\.tmp$/;
/** Per process: the same process id can run in several containers sharing a folder. */
const nonce = randomBytes(4).toString("hex");

/**
 * Which process ids this process sees: its PID namespace on this boot (Linux), hashed to 8 hex digits; null where
 * that cannot be read. A temporary named with our own space and a process id not running is surely a killed run's,
 * however new: that process id would be running if its writer were.
 */
const pidSpace: string | null = (() => {
  try {
    const ns = readlinkSync("/proc/self/ns/pid");
    const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    return sha256(`${ns} ${boot}`).slice(0, 8);
  } catch {
    return null;
  }
})();

/**
 * Removes, once per folder and process, the temporary files of spikec runs that were killed while writing (Ctrl-C, a
 * crash): their writes are synchronous, so a JavaScript signal handler would only run once the write is over (and make
 * Ctrl-C wait for it); the next run that writes there cleans up instead. Best effort, and only what is surely such a
 * leftover: a regular file with spikec's temporary name, whose process id is not running here, and which either names
 * our process-id space (pidSpace: then at once) or nobody has written for STALE_MS (a process id from another
 * container or machine may be running there). Anything it cannot remove stays, and the command goes on.
 */
function sweepDeadTemps(dir: string): void {
  const key = resolve(dir);
  if (swept.has(key)) return;
  swept.add(key);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const now = Date.now();
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || Number(m[1]) === process.pid || running(Number(m[1]))) continue;
    const ours = pidSpace !== null && m[2] === pidSpace;
    try {
      const st = lstatSync(join(dir, name));
      if (st.isFile() && (ours || now - st.mtimeMs > STALE_MS)) rmSync(join(dir, name));
    } catch {
      // someone else's file (a sticky folder), or gone meanwhile: leave it
    }
  }
}

/**
 * A temporary file beside `path`, for writing it atomically: short (a name near the file system's 255-byte limit
 * must still leave room), hidden, and unique (process id, a random nonce, a counter). Killed runs' leftovers in that
 * folder go first.
 */
export function tempPathFor(path: string): string {
  sweepDeadTemps(dirname(path));
  return join(dirname(path), `.spikec-${process.pid}-${nonce}${pidSpace ? `-${pidSpace}` : ""}-${++serial}.tmp`);
}

/** A failed write of `path` as the InputError users see (errno codes in words). */
export function writeErrorOf(path: string, e: unknown): Error {
  if (e instanceof InputError || codeOf(e) === undefined) return e as Error;
  return new InputError(`cannot write ${path}: ${reasonOf(e)}`, hintOf(e));
}

/**
 * Where a write of `path` lands. A symbolic link is written through (the file it points to is replaced, not the link),
 * and a special file that exists there — a device such as /dev/null, a FIFO — is written into directly: a rename
 * would replace the device itself with a regular file (as root, /dev/null for everyone).
 */
export function outputPlace(path: string): { file: string; direct: boolean } {
  let file = path;
  try {
    if (lstatSync(path).isSymbolicLink()) file = realpathSync(path);
  } catch {
    // missing, or a dangling link: written as named
  }
  try {
    const st = statSync(file);
    return { file, direct: !st.isFile() && !st.isDirectory() };
  } catch {
    return { file, direct: false };
  }
}

/** Writes every chunk to an open file, all of each (writeSync may write less than asked). */
function writeAll(fd: number, chunks: Iterable<Uint8Array | string>): void {
  for (const data of chunks) {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
  }
}

/** Writes chunks straight into an existing special file (outputPlace's `direct`): there is nothing to replace. */
function writeDirect(path: string, chunks: Iterable<Uint8Array | string>): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, "w");
    writeAll(fd, chunks);
  } catch (e) {
    throw writeErrorOf(path, e);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Writes a file atomically: the bytes go to a temporary file in the same folder, which is then renamed over the
 * target. A crash leaves either the old file or the new one, never half of one; a failure leaves no temporary file.
 * Symbolic links and special files: see outputPlace.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  writeChunksAtomic(path, [data]);
}

/**
 * writeFileAtomic for content made piece by piece: a file larger than a JavaScript string can hold (~512 M
 * characters: a JSON raster of a few thousand samples) is written without ever being one string.
 */
export function writeChunksAtomic(path: string, chunks: Iterable<Uint8Array | string>): void {
  refuseNonFile(path);
  const place = outputPlace(path);
  if (place.direct) return writeDirect(place.file, chunks);
  path = place.file;
  ensureFolder(dirname(path));
  const tmp = tempPathFor(path);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, "wx");
    writeAll(fd, chunks);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    // Cleanup must not hide the error that matters.
    try {
      if (fd !== undefined) closeSync(fd);
      rmSync(tmp, { force: true });
    } catch {
      /* nothing more to do */
    }
    throw writeErrorOf(path, e);
  }
}
