/**
 * A compiled folder holds several files written one after another; an interrupted or concurrent write can leave
 * files of two runs side by side (audit 2026-11-27: network.json beside another run's network.bin of the same size
 * simulated with exit 0 and 56 % accuracy instead of 96 %). Every pair spikec reads together is tied by a SHA-256:
 * a mixed folder is refused by name. Also: outputs of an earlier run that this one did not rewrite are named, the
 * leftovers of a killed run are removed by the next run writing there, output names up to the file system's limit
 * work, and a NIR write that fails (a file size limit) is exit 2, not an internal error.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { tempPathFor } from "../../src/io/atomic.js";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { scratchDir } from "../helpers/scratch.js";
import { MLP, CALIB, TEST_X } from "../helpers/digits.js";

describe("a folder with files of two runs", () => {
  let root = "";
  const a = () => join(root, "a");
  const b = () => join(root, "b");
  beforeAll(async () => {
    root = scratchDir("folder-mix-");
    expect((await runCli(["compile", MLP, "--calib", CALIB, "-o", a(), "--target", "loihi2", "--ticks", "8", "--no-html", "--emit", "loihi"])).code).toBe(0);
    // Another compile of the same model: every file the same size, different numbers.
    expect((await runCli(["compile", MLP, "--calib", CALIB, "-o", b(), "--margin", "1", "--target", "loihi2", "--ticks", "8", "--no-html", "--emit", "loihi"])).code).toBe(0);
  });

  /** A copy of folder a with `files` taken from b. */
  const mixed = (name: string, files: string[]): string => {
    const dir = join(root, name);
    cpSync(a(), dir, { recursive: true });
    for (const f of files) copyFileSync(join(b(), f), join(dir, f));
    return dir;
  };

  it("network.json with another run's network.bin (same size): refused, not simulated", async () => {
    const dir = mixed("bin", ["network.bin"]);
    const r = await runCli(["simulate", dir, "--input", TEST_X, "--output", join(root, "l.npy")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(dir, "network.json")}: its sidecar network.bin is not the one it was written with (SHA-256 differs): the folder holds files of two different runs`);
    expect(existsSync(join(root, "l.npy"))).toBe(false);
  });

  it("hw.json with another run's hw.bin, and cores.json with another cores.bin: refused", async () => {
    const hw = mixed("hwbin", ["hw.bin"]);
    const r = await runCli(["simulate", hw, "--engine", "cycle", "--input", TEST_X, "--output", join(root, "l.npy")]);
    expect([r.code, r.stderr.includes("its sidecar hw.bin is not the one it was written with")]).toEqual([2, true]);
    const cores = mixed("coresbin", [join("loihi", "cores.bin")]);
    const { readCoresFile } = await import("../../src/backends/loihi/files.js");
    expect(() => readCoresFile(join(cores, "loihi", "cores.json"))).toThrow(/its sidecar cores.bin is not the one it was written with/);
  });

  it("a new network beside an old lowering: hw.json names the network.json it was lowered from", async () => {
    const dir = mixed("net", ["network.json", "network.bin"]);
    const r = await runCli(["fit", dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(dir, "hw.json")} was lowered from another network than ${join(dir, "network.json")} (SHA-256 differs)`);
  });

  it("report-data.json of another run: spikec report refuses to draw the mix", async () => {
    const dir = mixed("report", ["report-data.json"]);
    const r = await runCli(["report", dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(dir, "report-data.json")} belongs to another report.json than the one in ${dir} (SHA-256 differs)`);
    expect(existsSync(join(dir, "report.html"))).toBe(false);
    // Both files of one run: drawn.
    expect((await runCli(["report", a()])).code).toBe(0);
  });

  it("report.json re-saved with sorted keys (jq -S) or re-indented is still its run's (audit: refused as two runs)", async () => {
    const dir = mixed("resaved", []);
    const sortKeys = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(sortKeys) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, x]) => [k, sortKeys(x)])) : v;
    const report = JSON.parse(readFileSync(join(dir, "report.json"), "utf8"));
    writeFileSync(join(dir, "report.json"), JSON.stringify(sortKeys(report), null, 4));
    const r = await runCli(["report", dir]);
    expect(r.code, r.stderr).toBe(0);
    // A changed number is still another report.
    writeFileSync(join(dir, "report.json"), JSON.stringify({ ...report, margin: report.margin + 1 }));
    expect((await runCli(["report", dir])).stderr).toContain("belongs to another report.json");
    // A folder written before keys were sorted (the digest of the compact JSON in file order) still reads.
    writeFileSync(join(dir, "report.json"), JSON.stringify(report));
    const data = JSON.parse(readFileSync(join(dir, "report-data.json"), "utf8"));
    writeFileSync(join(dir, "report-data.json"), JSON.stringify({ ...data, reportSha256: createHash("sha256").update(JSON.stringify(report)).digest("hex") }));
    expect((await runCli(["report", dir])).code).toBe(0);
  });

  it("verify -o into a compiled folder writes its report only when it compiles that folder's network", async () => {
    // Audit 2026-11-27: verify --margin 2 -o DIR over a margin-0.5 compile left report.json saying margin 2, beside
    // network.json and hw.json of margin 0.5, and without the hardware sections.
    const snapshot = (dir: string) => new Map(readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => [f, readFileSync(join(dir, f), "utf8")]));
    const dir = join(root, "verify-into");
    cpSync(a(), dir, { recursive: true });
    const before = snapshot(dir);
    const hint = "verify with the options, model and calibration data that compiled it (the same --target and --ticks too), or write the report to another folder";
    const cases: [string[], string][] = [
      [["--margin", "2", "--target", "loihi2", "--ticks", "8"], `-o ${dir} holds a network compiled with other options, model or calibration data (its network.json is not the one this verify compiles)`],
      [[], `-o ${dir} holds that network lowered for a chip (hw.json), and this verify has no --target: its report would drop the hardware sections`],
      [["--target", "loihi2", "--ticks", "16"], `-o ${dir} holds that network lowered with other hardware options (its hw.json is not the one this verify lowers)`],
    ];
    for (const [extra, message] of cases) {
      const r = await runCli(["verify", MLP, "--calib", CALIB, "--input", TEST_X, "--limit", "20", "-o", dir, "--no-html", ...extra]);
      expect(r.stderr, extra.join(" ")).toBe(`spikec: ${message}\n  try: ${hint}\n`);
      expect(r.code).toBe(2);
      expect(snapshot(dir)).toEqual(before);
    }
    // The options that compiled it: the report is written, with its hardware section.
    const ok = await runCli(["verify", MLP, "--calib", CALIB, "--input", TEST_X, "--limit", "20", "-o", dir, "--no-html", "--target", "loihi2", "--ticks", "8"]);
    expect(ok.code, ok.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, "report.json"), "utf8")) as { verification?: unknown; hardware?: unknown };
    expect(report.verification).toBeDefined();
    expect(report.hardware).toBeDefined();
    expect(readFileSync(join(dir, "network.json"), "utf8")).toBe(before.get("network.json"));
  });

  it("outputs of an earlier run that a compile did not rewrite are named", async () => {
    const dir = join(root, "stale");
    cpSync(a(), dir, { recursive: true });
    const r = await runCli(["compile", MLP, "--calib", CALIB, "-o", dir, "--target", "loihi2", "--ticks", "8", "--no-html"]);
    expect(r.code).toBe(0);
    // loihi/cores.json (no --emit loihi this time), and report.html if an earlier `spikec report` drew one there.
    expect(r.stderr).toMatch(/^note: loihi\/cores\.json(, report\.html)? in .* (comes|come) from an earlier run and (describes|describe) another compile/m);
    expect(r.stderr).not.toMatch(/note: .*(network|hw|report-data)\./);
  });
});

describe("temporary files and names", () => {
  it("a killed run's temporaries are removed by a later run writing there; nothing else is", async () => {
    const dir = scratchDir("temps-");
    // A process id that does not run: spawn one and let it end.
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid!;
    const old = new Date(Date.now() - 3600_000);
    const put = (name: string, age: Date | null) => {
      writeFileSync(join(dir, name), "x");
      if (age) utimesSync(join(dir, name), age, age);
    };
    put(`.spikec-${dead}-0badcafe-1.tmp`, old); // a killed run's: removed
    put(`.spikec-${dead}-0badcafe-2.tmp`, null); // written just now (a process id of another container?): kept
    // Named with this machine's process-id space: a dead process id there is a killed run, however new: removed at once.
    const space = /^\.spikec-\d+-[0-9a-f]{8}-([0-9a-f]{8})-\d+\.tmp$/.exec(basename(tempPathFor(join(scratchDir("probe-"), "x"))))?.[1];
    if (space) put(`.spikec-${dead}-0badcafe-${space}-5.tmp`, null);
    put(`.spikec-${dead}-0badcafe-feedf00d-6.tmp`, null); // another process-id space, just now: kept
    put(`.spikec-${process.pid}-0badcafe-3.tmp`, old); // a running process's: kept
    put(`.settings.json.${dead}.1700000000000.tmp`, old); // another tool's idiom: kept
    put(".mine.tmp", old);
    mkdirSync(join(dir, `.spikec-${dead}-0badcafe-4.tmp`)); // not a file: kept, and no failure
    utimesSync(join(dir, `.spikec-${dead}-0badcafe-4.tmp`), old, old);
    const net = scratchDir("temps-net-");
    expect((await runCli(["compile", MLP, "--calib", CALIB, "-o", net, "--no-html"])).code).toBe(0);
    expect((await runCli(["simulate", net, "--input", TEST_X, "--output", join(dir, "logits.npy")])).code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(
      [`.spikec-${dead}-0badcafe-2.tmp`, `.spikec-${dead}-0badcafe-feedf00d-6.tmp`, `.spikec-${process.pid}-0badcafe-3.tmp`, `.settings.json.${dead}.1700000000000.tmp`, ".mine.tmp", `.spikec-${dead}-0badcafe-4.tmp`, "logits.npy"].sort(),
    );
  });

  it("an output name of 250 bytes is written (the temporary name is short)", async () => {
    const net = scratchDir("long-");
    expect((await runCli(["compile", MLP, "--calib", CALIB, "-o", net, "--no-html"])).code).toBe(0);
    const out = join(net, `${"n".repeat(246)}.npy`);
    expect((await runCli(["simulate", net, "--input", TEST_X, "--output", out])).code).toBe(0);
    expect(existsSync(out)).toBe(true);
  });

  it("export nir under a file size limit: exit 2 naming the file, no temporary left", async () => {
    const net = scratchDir("nir-limit-");
    expect((await runCli(["compile", MLP, "--calib", CALIB, "-o", net, "--no-html"])).code).toBe(0);
    const out = join(net, "m.nir");
    // The shell's ulimit applies to the child only; the CLI as users run it (bin/spikec.js needs the build: npm ci).
    let status = 0;
    let stderr = "";
    try {
      execFileSync("bash", ["-c", `ulimit -f 16; exec "${process.execPath}" bin/spikec.js export nir "${net}" -o "${out}"`], { stdio: "pipe", env: { ...process.env } });
    } catch (e) {
      status = (e as { status: number }).status;
      stderr = String((e as { stderr: Buffer }).stderr);
    }
    expect(status).toBe(2);
    expect(stderr).toMatch(new RegExp(`^spikec: cannot write ${out.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: .*\n  try: `));
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(net).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});
