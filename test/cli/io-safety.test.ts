/**
 * Outputs as the CLI writes them: an output path that cannot be written is exit 2 with the path and the reason (no
 * stack trace, no temporary file); no output replaces a file the command reads, under any name; and a refusal
 * leaves no partial output.
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { bundledTargetIds } from "../../src/hw/target/load.js";
import { runCli } from "../helpers/cli.js";
import { scratchDir } from "../helpers/scratch.js";
import { MLP, CALIB, TEST_X } from "../helpers/digits.js";
import { oneConvModel, writeModelFiles } from "../helpers/model-files.js";


/** Every file under `dir` (relative path → bytes). */
function snapshot(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return files;
}

/** Runs the CLI; expects exit 2 with exactly `message` (and its hint), no stack trace, and `dir` byte-identical. */
async function expectRefused(args: string[], message: string, hint: string, dir: string): Promise<void> {
  const before = snapshot(dir);
  const r = await runCli(args);
  expect(r.stderr).toBe(`spikec: ${message}\n  try: ${hint}\n`);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe("");
  const after = snapshot(dir);
  expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
  for (const [f, bytes] of before) expect(after.get(f)!.equals(bytes), f).toBe(true);
}

const NEVER_OVERWRITE = "choose another output path; spikec never overwrites its inputs";
const WRITABLE = "choose an output path in a folder you can write to";

let tmp: string;
let net: string;
let input: string;
beforeAll(async () => {
  tmp = scratchDir("spikec-io-safety-");
  net = join(tmp, "net");
  const c = await runCli(["compile", MLP, "--calib", CALIB, "--target", "loihi2", "--ticks", "16", "-o", net, "--json"]);
  expect(c.code, c.stderr).toBe(0);
  input = join(tmp, "in.npy");
  copyFileSync(TEST_X, input);
});

describe("output paths that cannot be written: exit 2, the path and the reason", () => {
  it("compile -o under /proc returns at once (a recursive mkdir spins there forever)", async () => {
    const start = Date.now();
    await expectRefused(
      ["compile", MLP, "--calib", CALIB, "-o", "/proc/spikec-xx", "--no-html"],
      "cannot write /proc/spikec-xx: creating a file in /proc fails: the file system does not allow creating it (ENOENT)",
      WRITABLE,
      tmp,
    );
    expect(Date.now() - start).toBeLessThan(10_000);
    expect(existsSync("/proc/spikec-xx")).toBe(false);
  });

  it("compile -o: empty, a file, under a file; an output file that is a folder", async () => {
    await expectRefused(["compile", MLP, "--calib", CALIB, "-o", ""], "--out is empty", "name the folder to write after --out", tmp);
    await expectRefused(["compile", MLP, "--calib", CALIB, "-o", input], `cannot create the folder ${input}: it is a file, not a folder`, "choose an output path that does not run through a file", tmp);
    await expectRefused(
      ["compile", MLP, "--calib", CALIB, "-o", join(input, "out")],
      `cannot create the folder ${join(input, "out")}: ${input} is a file, not a folder`,
      "choose an output path that does not run through a file",
      tmp,
    );
    const out = join(tmp, "html-is-folder");
    mkdirSync(join(out, "report.html"), { recursive: true });
    await expectRefused(
      ["compile", MLP, "--calib", CALIB, "-o", out],
      `cannot write ${join(out, "report.html")}: it is a folder, not a file`,
      "name a file to write (for example one inside that folder)",
      tmp,
    );
    expect(readdirSync(out)).toEqual(["report.html"]);
  });

  it("simulate --output: a folder, under a file, empty, a place that takes no files", async () => {
    const sim = (output: string) => ["simulate", net, "--input", input, "--output", output];
    await expectRefused(sim(tmp), `cannot write ${tmp}: it is a folder, not a file`, "name a file to write (for example one inside that folder)", tmp);
    await expectRefused(sim(join(input, "o.npy")), `cannot create the folder ${input}: it is a file, not a folder`, "choose an output path that does not run through a file", tmp);
    await expectRefused(sim(""), "--output is empty", "name the file to write after --output", tmp);
    await expectRefused(sim("/proc/spikec-x.npy"), "cannot write /proc/spikec-x.npy: creating a file in /proc fails: the file system does not allow creating it (ENOENT)", WRITABLE, tmp);
    expect(readdirSync("/proc").filter((f) => f.includes("spikec"))).toEqual([]);
  });

  it("export nir -o under /proc or onto a folder; import nir -o onto a file", async () => {
    await expectRefused(["export", "nir", net, "-o", "/proc/spikec.nir"], "cannot write /proc/spikec.nir: creating a file in /proc fails: the file system does not allow creating it (ENOENT)", WRITABLE, tmp);
    await expectRefused(["export", "nir", net, "-o", tmp], `cannot write ${tmp}: it is a folder, not a file`, "name a file to write (for example one inside that folder)", tmp);
    const nir = join(tmp, "m.nir");
    expect((await runCli(["export", "nir", net, "-o", nir])).code).toBe(0);
    await expectRefused(["import", "nir", nir, "-o", input], `cannot create the folder ${input}: it is a file, not a folder`, "choose an output path that does not run through a file", tmp);
  });
});

describe("no output replaces an input, under any name", () => {
  it("simulate --output onto the compiled network it reads (network.json/.bin, hw.json/.bin)", async () => {
    for (const f of ["network.json", "network.bin", "hw.json", "hw.bin"]) {
      await expectRefused(["simulate", net, "--input", input, "--output", join(net, f)], `the output ${join(net, f)} is also an input`, NEVER_OVERWRITE, tmp);
    }
  });

  it("simulate --output onto the custom target file the compiled network was lowered for (hw.json records it)", async () => {
    const chip = join(tmp, "mychip.xml");
    writeFileSync(chip, readFileSync(join("targets", "loihi2.xml"), "utf8").replace('<target id="loihi2"', '<target id="mychip"'));
    const custom = join(tmp, "custom-net");
    const c = await runCli(["compile", MLP, "--calib", CALIB, "--target", chip, "--ticks", "16", "-o", custom, "--json", "--no-html"]);
    expect(c.code, c.stderr).toBe(0);
    await expectRefused(["simulate", custom, "--engine", "cycle", "--input", input, "--output", chip], `the output ${chip} is also an input`, NEVER_OVERWRITE, tmp);
  });

  it("simulate --output onto the input through a symbolic link or a hard link", async () => {
    const links = scratchDir("spikec-links-");
    const original = join(links, "in.npy");
    copyFileSync(TEST_X, original);
    symlinkSync("in.npy", join(links, "link.npy"));
    linkSync(original, join(links, "hard.npy"));
    for (const alias of ["link.npy", "hard.npy"]) {
      await expectRefused(
        ["simulate", net, "--input", join(links, alias), "--output", original],
        `the output ${original} is also an input (${join(links, alias)}, the same file under another name)`,
        NEVER_OVERWRITE,
        links,
      );
    }
    expect(readFileSync(original).equals(readFileSync(TEST_X))).toBe(true);
  });

  it("simulate --raster: the same file as --output, or onto the input", async () => {
    const o = join(tmp, "o.npy");
    await expectRefused(["simulate", net, "--input", input, "--output", o, "--raster", o], `--output ${o} and --raster ${o} are the same file`, "give --output and --raster different paths", tmp);
    await expectRefused(["simulate", net, "--input", input, "--output", o, "--raster", input], `the output ${input} is also an input`, NEVER_OVERWRITE, tmp);
  });

  it("report -o onto its own report.json or report-data.json", async () => {
    for (const f of ["report.json", "report-data.json"]) {
      await expectRefused(["report", net, "-o", join(net, f)], `the output ${join(net, f)} is also an input`, NEVER_OVERWRITE, tmp);
    }
  });

  it("report -o, simulate --output/--raster and export nir -o never replace the compiled folder's own files, nor write another format", async () => {
    const own = (option: string, f: string) => `${option} ${join(net, f)} is ${f} of the compiled network in ${net}: writing it would leave that folder describing two different things`;
    const OWN_HINT = "choose a path outside the compiled folder's own files";
    // The audit's case: report -o over the network itself (report.html then stood where network.json was).
    for (const f of ["network.json", "hw.bin"])
      await expectRefused(["report", net, "-o", join(net, f)], `--output ${join(net, f)}: spikec writes an HTML page there, which needs a .html or .htm name`, `name the file ${join(net, f.replace(/\.\w+$/, ""))}.html`, tmp);
    await expectRefused(["report", net, "-o", MLP], `--output ${MLP}: spikec writes an HTML page there, which needs a .html or .htm name`, `name the file ${MLP.replace(/\.onnx$/, "")}.html`, tmp);
    await expectRefused(["simulate", net, "--input", input, "--output", join(net, "report.json")], `--output ${join(net, "report.json")}: spikec writes the logits as float64 [N, classes] there, which needs a .npy name`, `name the file ${join(net, "report")}.npy`, tmp);
    await expectRefused(["simulate", net, "--input", input, "--output", join(tmp, "o.npy"), "--raster", join(net, "report-data.json")], own("--raster", "report-data.json"), OWN_HINT, tmp);
    await expectRefused(["simulate", net, "--input", input, "--output", join(net, "lava", "w.npy")], `--output ${join(net, "lava", "w.npy")} is lava/w.npy of the compiled network in ${net}: writing it would leave that folder describing two different things`, OWN_HINT, tmp);
    await expectRefused(["export", "nir", net, "-o", join(net, "report.json")], `--out ${join(net, "report.json")}: spikec writes a NIR graph (HDF5) there, which needs a .nir or .h5 name`, `name the file ${join(net, "report")}.nir`, tmp);
    // What each command writes there itself is allowed: report.html (report), model.nir (export nir: this network's).
    const r = await runCli(["report", net, "-o", join(net, "report.html")]);
    expect(r.code, r.stderr).toBe(0);
    const e = await runCli(["export", "nir", net, "-o", join(net, "model.nir")]);
    expect(e.code, e.stderr).toBe(0);
  });

  it("compile -o DIR where DIR holds the calibration file under a name compile writes", async () => {
    const cases: [string, string[]][] = [
      ["report-data.json", []],
      ["report.html", []],
      ["network.bin", []],
      ["model.nir", ["--emit", "nir"]],
      ["hw.json", ["--target", "loihi2", "--ticks", "16"]],
      [join("loihi", "cores.bin"), ["--target", "loihi2", "--ticks", "16", "--emit", "loihi"]],
    ];
    for (const [name, flags] of cases) {
      const out = join(tmp, `calib-in-out-${name.replace(/\W/g, "_")}`);
      mkdirSync(join(out, "loihi"), { recursive: true });
      copyFileSync(CALIB, join(out, name));
      await expectRefused(["compile", MLP, "--calib", join(out, name), "-o", out, ...flags], `the output ${join(out, name)} is also an input`, NEVER_OVERWRITE, tmp);
    }
    // --emit lava names its arrays only after the lowering: any input in DIR/lava is refused.
    const out = join(tmp, "calib-in-lava");
    mkdirSync(join(out, "lava"), { recursive: true });
    copyFileSync(CALIB, join(out, "lava", "x.npy"));
    await expectRefused(
      ["compile", MLP, "--calib", join(out, "lava", "x.npy"), "-o", out, "--target", "loihi2", "--ticks", "16", "--emit", "lava"],
      `the input ${join(out, "lava", "x.npy")} is in ${join(out, "lava")}, which --emit lava writes`,
      "move the input elsewhere or choose another output folder; spikec never overwrites its inputs",
      tmp,
    );
  });

  it("verify -o DIR where DIR/report.json is the --input; export nir -o onto network.bin", async () => {
    const out = join(tmp, "verify-out");
    mkdirSync(out);
    copyFileSync(TEST_X, join(out, "report.json"));
    await expectRefused(
      ["verify", MLP, "--calib", CALIB, "--input", join(out, "report.json"), "-o", out, "--no-onnxruntime"],
      `the output ${join(out, "report.json")} is also an input`,
      NEVER_OVERWRITE,
      tmp,
    );
    await expectRefused(["export", "nir", net, "-o", join(net, "network.bin")], `the output ${join(net, "network.bin")} is also an input`, NEVER_OVERWRITE, tmp);
  });
});

describe("a refusal leaves no partial output", () => {
  it("compile --emit lava / loihi without --target: refused before anything is written", async () => {
    const out = join(tmp, "emit-no-target");
    await expectRefused(["compile", MLP, "--calib", CALIB, "-o", out, "--emit", "lava"], "--emit lava needs a network lowered for a Loihi chip", "add --target loihi2", tmp);
    await expectRefused(["compile", MLP, "--calib", CALIB, "-o", out, "--emit", "loihi"], "--emit loihi needs a network lowered for a Loihi chip", "add --target loihi1 or --target loihi2", tmp);
    expect(existsSync(out)).toBe(false);
  });

  it("compile --emit lava --neuron b1 (Lava has no b1 neuron): refused after the lowering, before any file", async () => {
    const out = join(tmp, "emit-lava-b1");
    const r = await runCli(["compile", MLP, "--calib", CALIB, "-o", out, "--target", "loihi2", "--ticks", "16", "--neuron", "b1", "--emit", "lava"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^spikec: --emit lava: population '\/0\/Gemm' \(ONNX node \/0\/Gemm\) uses the two-phase-b1 neuron program; Lava ships no such process/);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });

  it("compile --emit nir of a network NIR cannot express: refused before any file, an earlier compile's folder untouched", async () => {
    // A conv padded on one side only (pads [0, 0, 1, 1]): the SNN is exact, NIR's Conv2d has no such padding.
    const { model, calib } = writeModelFiles(tmp, "asym", oneConvModel([3, 3], [0, 0, 1, 1]), [1, 8, 8]);
    const fresh = join(tmp, "emit-nir-fresh");
    const r = await runCli(["compile", model, "--calib", calib, "-o", fresh, "--emit", "nir"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^spikec: NIR export: population .*asymmetric padding \[0, 0, 1, 1\]/);
    expect(existsSync(fresh)).toBe(false);
    // Into the folder of a good compile: every file stays as it was.
    const good = join(tmp, "emit-nir-good");
    expect((await runCli(["compile", MLP, "--calib", CALIB, "-o", good, "--emit", "nir", "--json"])).code).toBe(0);
    const before = snapshot(good);
    const again = await runCli(["compile", model, "--calib", calib, "-o", good, "--emit", "nir"]);
    expect(again.code).toBe(2);
    const after = snapshot(good);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [f, bytes] of before) expect(after.get(f)!.equals(bytes), f).toBe(true);
  });

  it("simulate --raster of an unknown format: refused before --output is written", async () => {
    const o = join(tmp, "raster-first.npy");
    await expectRefused(["simulate", net, "--input", input, "--output", o, "--raster", join(tmp, "r.txt")], `--raster ${join(tmp, "r.txt")}: unknown format`, "name the file .npy (a [spikes, 4] table) or .json", tmp);
    expect(existsSync(o)).toBe(false);
  });
});

describe("target files", () => {
  it("a folder given as --target: exit 2, not an internal error", async () => {
    const dir = join(tmp, "targets-dir");
    mkdirSync(dir);
    await expectRefused(
      ["compile", MLP, "--calib", CALIB, "-o", join(tmp, "t1"), "--target", dir],
      `target file ${dir} is a folder, not a target XML file`,
      `pass the path of a target XML file, or a bundled target id (${bundledTargetIds().join(", ")})`,
      tmp,
    );
  });

  it("an empty target file: a position without 'undefined'", async () => {
    const file = join(tmp, "bad_empty.xml");
    writeFileSync(file, "");
    await expectRefused(
      ["compile", MLP, "--calib", CALIB, "-o", join(tmp, "t2"), "--target", file],
      `${file}:1: not well-formed XML: Start tag expected. (the file is empty)`,
      "fix the XML syntax (an editor with XML checking helps)",
      tmp,
    );
  });
});

describe("a recompile without --target into a folder that held a lowering", () => {
  it("removes the earlier hw.json and hw.bin (simulate --engine cycle and fit would run them as the new network's), and says so", async () => {
    const dir = join(tmp, "recompiled");
    const first = await runCli(["compile", MLP, "--calib", CALIB, "--target", "loihi2", "--ticks", "16", "-o", dir, "--json", "--no-html"]);
    expect(first.code, first.stderr).toBe(0);
    expect(existsSync(join(dir, "hw.json")) && existsSync(join(dir, "hw.bin"))).toBe(true);
    const again = await runCli(["compile", MLP, "--calib", CALIB, "--margin", "1", "-o", dir, "--no-html"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`removed ${join(dir, "hw.bin")}, ${join(dir, "hw.json")}: an earlier compile's lowering, stale without --target`);
    expect(existsSync(join(dir, "hw.json")) || existsSync(join(dir, "hw.bin"))).toBe(false);
    const sim = await runCli(["simulate", dir, "--engine", "cycle", "--input", TEST_X, "--output", join(tmp, "never.npy")]);
    expect(sim.code).toBe(2);
    expect(sim.stderr).toContain("hw.json does not exist");
  });

  it("leaves a hw.json that spikec did not write alone", async () => {
    const dir = join(tmp, "foreign");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "hw.json"), '{"mine": true}\n');
    const r = await runCli(["compile", MLP, "--calib", CALIB, "-o", dir, "--no-html"]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, "hw.json"), "utf8")).toBe('{"mine": true}\n');
    expect(r.stdout).not.toContain("removed");
  });
});
