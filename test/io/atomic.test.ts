/**
 * Output files and folders (src/io/atomic.ts): every way a path can be unwritable is an InputError naming the path
 * and the reason, and no temporary or probe file is left behind.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { checkOutputFile, checkOutputFolder, ensureFolder, outputPlace, writeFileAtomic } from "../../src/io/atomic.js";
import { scratchDir } from "../helpers/scratch.js";
import { inputErrorOf } from "../helpers/input-error.js";

// renameSync fails once with `failRename.next` when set: a write failing after its temporary file exists.
const failRename = vi.hoisted(() => ({ next: null as Error | null }));
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  return {
    ...fs,
    renameSync: (from: string, to: string) => {
      const e = failRename.next;
      failRename.next = null;
      if (e) throw e;
      fs.renameSync(from, to);
    },
  };
});

describe("ensureFolder", () => {
  it("creates every missing level and accepts an existing folder", () => {
    const dir = scratchDir("spikec-atomic-");
    const deep = join(dir, "a", "b", "c");
    ensureFolder(deep);
    expect(readdirSync(join(dir, "a", "b"))).toEqual(["c"]);
    ensureFolder(deep);
    ensureFolder(dir);
  });

  it("refuses a path through a file, naming the file", () => {
    const dir = scratchDir("spikec-atomic-");
    writeFileSync(join(dir, "f"), "x");
    const e = inputErrorOf(() => ensureFolder(join(dir, "f", "sub", "deeper")));
    expect(e.message).toBe(`cannot create the folder ${join(dir, "f", "sub", "deeper")}: ${join(dir, "f")} is a file, not a folder`);
    expect(e.hint).toBe("choose an output path that does not run through a file");
    expect(inputErrorOf(() => ensureFolder(join(dir, "f"))).message).toBe(`cannot create the folder ${join(dir, "f")}: it is a file, not a folder`);
    expect(readdirSync(dir)).toEqual(["f"]);
  });

  it("under /proc: refuses at once (a recursive mkdir spins there forever)", () => {
    const start = Date.now();
    const e = inputErrorOf(() => ensureFolder("/proc/spikec-no/such"));
    expect(e.message).toBe("cannot create the folder /proc/spikec-no/such (at /proc/spikec-no): the file system does not allow creating it (ENOENT)");
    expect(e.hint).toBe("choose an output path in a folder you can write to");
    expect(Date.now() - start).toBeLessThan(2000);
  });

  it("a broken symbolic link in the way: EEXIST in words", () => {
    const dir = scratchDir("spikec-atomic-");
    symlinkSync(join(dir, "nowhere"), join(dir, "dangling"));
    const e = inputErrorOf(() => ensureFolder(join(dir, "dangling", "x")));
    expect(e.message).toBe(`cannot create the folder ${join(dir, "dangling", "x")} (at ${join(dir, "dangling")}): something that is not a folder (a file or a broken link) is already there (EEXIST)`);
  });
});

describe("writeFileAtomic", () => {
  const leftovers = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".tmp"));

  it("writes (and replaces) the bytes, creating folders, leaving no temporary file", () => {
    const dir = scratchDir("spikec-atomic-");
    const path = join(dir, "new", "sub", "out.bin");
    writeFileAtomic(path, Uint8Array.of(1, 2, 3));
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    writeFileAtomic(path, "text");
    expect(readFileSync(path, "utf8")).toBe("text");
    expect(readdirSync(join(dir, "new", "sub"))).toEqual(["out.bin"]);
  });

  it("refuses an empty path, a folder, a path ending in / and a path under a file; writes nothing", () => {
    const dir = scratchDir("spikec-atomic-");
    writeFileSync(join(dir, "f.npy"), "input");
    expect(inputErrorOf(() => writeFileAtomic("", "x")).message).toBe("an output path is empty");
    expect(inputErrorOf(() => writeFileAtomic(dir, "x")).message).toBe(`cannot write ${dir}: it is a folder, not a file`);
    expect(inputErrorOf(() => writeFileAtomic(join(dir, "g") + "/", "x")).message).toBe(`cannot write ${join(dir, "g")}/: it is a folder, not a file`);
    expect(inputErrorOf(() => writeFileAtomic(join(dir, "f.npy", "x.npy"), "x")).message).toBe(`cannot create the folder ${join(dir, "f.npy")}: it is a file, not a folder`);
    expect(readdirSync(dir)).toEqual(["f.npy"]);
    expect(readFileSync(join(dir, "f.npy"), "utf8")).toBe("input");
  });

  it("a place that takes no files (/proc): InputError with the reason, no temporary file", () => {
    const e = inputErrorOf(() => writeFileAtomic("/proc/spikec-x.npy", "x"));
    expect(e.message).toBe("cannot write /proc/spikec-x.npy: the file system does not allow creating it (ENOENT)");
    expect(readdirSync("/proc").filter((f) => f.includes("spikec"))).toEqual([]);
  });

  it("a symbolic link to a folder is a folder", () => {
    const dir = scratchDir("spikec-atomic-");
    mkdirSync(join(dir, "real"));
    symlinkSync(join(dir, "real"), join(dir, "link"));
    expect(inputErrorOf(() => writeFileAtomic(join(dir, "link"), "x")).message).toBe(`cannot write ${join(dir, "link")}: it is a folder, not a file`);
    expect(readdirSync(join(dir, "real"))).toEqual([]);
  });

  it("a failure after the temporary file exists (the rename) removes it and keeps the old file", () => {
    const dir = scratchDir("spikec-atomic-");
    const path = join(dir, "out.npy");
    writeFileSync(path, "old");
    failRename.next = Object.assign(new Error(`EXDEV: cross-device link not permitted, rename '${path}.tmp' -> '${path}'`), { code: "EXDEV" });
    const e = inputErrorOf(() => writeFileAtomic(path, "new"));
    expect(e.message).toBe(`cannot write ${path}: cross-device link not permitted (EXDEV)`);
    expect(e.hint).toBe("choose another output path");
    expect(leftovers(dir)).toEqual([]);
    expect(readFileSync(path, "utf8")).toBe("old");
  });

  it("writes through a symbolic link to a file: the file gets the bytes, the link stays a link", () => {
    const dir = scratchDir("spikec-atomic-");
    writeFileSync(join(dir, "real.npy"), "old");
    symlinkSync("real.npy", join(dir, "link.npy"));
    writeFileAtomic(join(dir, "link.npy"), "new");
    expect(lstatSync(join(dir, "link.npy")).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, "real.npy"), "utf8")).toBe("new");
    expect(leftovers(dir)).toEqual([]);
  });

  it("writes into a FIFO (or a device such as /dev/null) instead of replacing it with a regular file", async () => {
    // Audit 2026-11-27: a rename over the special file replaced it; as root, --output /dev/null replaced /dev/null.
    expect(outputPlace("/dev/null")).toEqual({ file: "/dev/null", direct: true });
    const dir = scratchDir("spikec-atomic-");
    const fifo = join(dir, "pipe.npy");
    execFileSync("mkfifo", [fifo]);
    const reader = spawn("cat", [fifo]);
    let got = "";
    reader.stdout.on("data", (d: Buffer) => (got += d.toString()));
    const closed = new Promise((done) => reader.on("close", done));
    checkOutputFile(fifo);
    writeFileAtomic(fifo, "through the pipe");
    await closed;
    expect(got).toBe("through the pipe");
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(leftovers(dir)).toEqual([]);
  });
});

describe("checkOutputFile / checkOutputFolder", () => {
  it("accept a writable path and leave nothing behind (not even the folder)", () => {
    const dir = scratchDir("spikec-atomic-");
    checkOutputFile(join(dir, "a", "b", "out.npy"));
    checkOutputFolder(join(dir, "new"));
    expect(readdirSync(dir)).toEqual([]);
  });

  it("refuse what writeFileAtomic would refuse, before anything is written", () => {
    const dir = scratchDir("spikec-atomic-");
    writeFileSync(join(dir, "f"), "x");
    expect(inputErrorOf(() => checkOutputFile("")).message).toBe("an output path is empty");
    expect(inputErrorOf(() => checkOutputFile(dir)).message).toBe(`cannot write ${dir}: it is a folder, not a file`);
    expect(inputErrorOf(() => checkOutputFile(join(dir, "f", "o.npy"))).message).toBe(`cannot create the folder ${join(dir, "f")}: it is a file, not a folder`);
    expect(inputErrorOf(() => checkOutputFile("/proc/spikec/o.npy")).message).toBe(
      "cannot write /proc/spikec/o.npy: creating a file in /proc fails: the file system does not allow creating it (ENOENT)",
    );
    expect(inputErrorOf(() => checkOutputFolder("/proc/spikec-dir")).message).toBe("cannot write /proc/spikec-dir: creating a file in /proc fails: the file system does not allow creating it (ENOENT)");
    expect(existsSync("/proc/spikec")).toBe(false);
    expect(readdirSync(dir)).toEqual(["f"]);
  });
});
