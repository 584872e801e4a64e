/**
 * `spikec compile --emit nir`, `spikec export nir`, `spikec import nir` as a user runs them: export → import →
 * simulate gives the same logits bit for bit, outputs are written atomically, bad files exit 2 with one message.
 */
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { oneConvModel, writeModelFiles } from "../helpers/model-files.js";
import { readNpy } from "../../src/io/npy.js";
import { FIXTURES, tempDir } from "./helpers.js";

const FIX = "test/fixtures";
const MLP = `${FIX}/mlp_digits.onnx`;
const CALIB = `${FIX}/digits_calib_x.npy`;
const TEST_X = `${FIX}/digits_test_x.npy`;

let tmp: string;
let compiled: string;
beforeAll(async () => {
  tmp = tempDir();
  compiled = join(tmp, "mlp");
  const c = await runCli(["compile", MLP, "--calib", CALIB, "-o", compiled, "--emit", "nir"]);
  expect(c.stderr).toBe("");
  expect(c.code).toBe(0);
}, 120_000);

const logits = (file: string) => Array.from(readNpy(file).data as ArrayLike<number>);

describe("spikec export nir / import nir", () => {
  it("compile --emit nir writes DIR/model.nir; export writes the same graph", async () => {
    expect(existsSync(join(compiled, "model.nir"))).toBe(true);
    const out = join(tmp, "mlp.nir");
    const e = await runCli(["export", "nir", compiled, "-o", out]);
    expect(e.code).toBe(0);
    expect(e.stdout).toMatch(/wrote .*mlp\.nir: \d+ nodes, \d+ edges \(alpha model\)/);
    const check = await runCli(["nir", "check", out]);
    expect(check.code).toBe(0);
    // no temporary file left beside the output
    expect(readdirSync(tmp).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("export → import → simulate gives the same logits bit for bit", async () => {
    const file = join(tmp, "round.nir");
    expect((await runCli(["export", "nir", compiled, "-o", file])).code).toBe(0);
    const back = join(tmp, "back");
    const i = await runCli(["import", "nir", file, "-o", back]);
    expect(i.stderr).toBe("");
    expect(i.code).toBe(0);
    const a = join(tmp, "a.npy");
    const b = join(tmp, "b.npy");
    expect((await runCli(["simulate", compiled, "--input", TEST_X, "--output", a])).code).toBe(0);
    expect((await runCli(["simulate", back, "--input", TEST_X, "--output", b])).code).toBe(0);
    const la = logits(a);
    expect(la.length).toBeGreaterThan(1000);
    expect(logits(b)).toEqual(la);
    expect(readFileSync(join(back, "network.bin"))).toEqual(readFileSync(join(compiled, "network.bin")));
    // The same network, the same bytes (audit: projection keys reordered, so another networkSha256).
    expect(readFileSync(join(back, "network.json"), "utf8")).toBe(readFileSync(join(compiled, "network.json"), "utf8"));
  });

  it("--json on export and import: one JSON object of what was written (an audit: 'Unknown argument: json')", async () => {
    const file = join(tmp, "json.nir");
    const e = await runCli(["export", "nir", compiled, "-o", file, "--json"]);
    expect(e.code).toBe(0);
    expect(JSON.parse(e.stdout)).toMatchObject({ wrote: file, model: "alpha" });
    const back = join(tmp, "json-back");
    const i = await runCli(["import", "nir", file, "-o", back, "--json"]);
    expect(i.code).toBe(0);
    expect(JSON.parse(i.stdout)).toEqual({ wrote: join(back, "network.json"), populations: JSON.parse(readFileSync(join(back, "network.json"), "utf8")).populations.length, model: "alpha", removed: [] });
  });

  it("import into a folder holding an earlier lowering removes that hw.json (it belongs to another network)", async () => {
    const lowered = join(tmp, "lowered");
    expect((await runCli(["compile", MLP, "--calib", CALIB, "--target", "loihi2", "--ticks", "16", "-o", lowered, "--no-html", "--json"])).code).toBe(0);
    const file = join(tmp, "into-lowered.nir");
    expect((await runCli(["export", "nir", compiled, "-o", file])).code).toBe(0);
    const i = await runCli(["import", "nir", file, "-o", lowered]);
    expect(i.code, i.stderr).toBe(0);
    expect(i.stdout).toContain(`removed ${join(lowered, "hw.bin")}, ${join(lowered, "hw.json")}: an earlier compile's lowering, stale for this network`);
    expect(existsSync(join(lowered, "hw.json")) || existsSync(join(lowered, "hw.bin"))).toBe(false);
  });

  const bad: [string, (f: string) => void, RegExp][] = [
    ["a non-HDF5 file", (f) => writeFileSync(f, "this is not HDF5\n".repeat(20)), /not an HDF5 file/],
    ["an HDF5 file that is not NIR", (f) => copyFileSync(join(FIXTURES, "nirdata_events.h5"), f), /not a NIR graph/],
    ["a truncated NIR file", (f) => writeFileSync(f, readFileSync(join(tmp, "mlp", "model.nir")).subarray(0, 3000)), /truncated|cannot be read|damaged/],
    ["a NIR file not written by spikec", (f) => copyFileSync(join(FIXTURES, "ffw_lif_cubalif.nir"), f), /no 'spikec' metadata/],
  ];
  it.each(bad)("import of %s: one clear message, exit 2, no output", async (_what, make, message) => {
    const file = join(tmp, `bad-${readdirSync(tmp).length}.nir`);
    make(file);
    const out = join(tmp, `bad-out-${readdirSync(tmp).length}`);
    const r = await runCli(["import", "nir", file, "-o", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(file);
    expect(r.stderr.split("\n").filter((l) => l.startsWith("spikec:"))).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });

  it("export of a folder without network.json: exit 2, no file", async () => {
    const out = join(tmp, "none.nir");
    const r = await runCli(["export", "nir", join(tmp, "missing"), "-o", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/does not exist/);
    expect(existsSync(out)).toBe(false);
  });

  it("a graph the reference nir package would reject (a non-square kernel) is written with the warning nir check gives", async () => {
    // Audit 2026-11-27: a 3×5 conv exported silently (exit 0), and nir.read then failed on the file.
    const { model, calib } = writeModelFiles(tmp, "k35", oneConvModel([3, 5], [1, 2, 1, 2]), [1, 8, 8]);
    const dir = join(tmp, "k35");
    const r = await runCli(["compile", model, "--calib", calib, "-o", dir, "--emit", "nir", "--no-html"]);
    expect(r.code, r.stderr).toBe(0);
    const warning = /^warning: .*model\.nir: .*kernel \[3, 5\] is not square: the reference nir package computes the output as .* and will reject this graph when it type-checks$/m;
    expect(r.stderr).toMatch(warning);
    const e = await runCli(["export", "nir", dir, "-o", join(tmp, "k35.nir")]);
    expect(e.code).toBe(0);
    expect(e.stderr.replace("k35.nir", "model.nir")).toMatch(warning);
    // nir check says the same of the file.
    expect((await runCli(["nir", "check", join(tmp, "k35.nir")])).stdout).toMatch(/kernel \[3, 5\] is not square/);
  });

  it("--emit accepts only known formats", async () => {
    const r = await runCli(["compile", MLP, "--calib", CALIB, "-o", join(tmp, "x"), "--emit", "bogus"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Invalid values|Choices/);
  });
});
