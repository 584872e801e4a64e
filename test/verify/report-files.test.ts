/**
 * The report files of a lowered network:
 * - report.json holds no wall-clock time, so two identical `compile --target` runs write byte-identical files
 *   (docs/formats.md); the time is printed on the console only.
 * - `verify -o DIR --target` carries the placement's Cores panel (report-data.json `fit`), as compile does.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile, loadSamples } from "../../src/compile.js";
import { fitSectionOf } from "../../src/place/fit-report.js";
import { buildReportData } from "../../src/report/collect.js";
import { runCli } from "../helpers/cli.js";
import { scratchDir } from "../helpers/scratch.js";
import { FEATURES, writeInputs, writeModel } from "./models.js";

const dir = scratchDir("spikec-report-files-");
const model = writeModel(dir, "model.onnx", { tail: ["Softmax"] });
const x = writeInputs(dir, 200);

const read = (d: string, f: string) => readFileSync(join(d, f));
const json = (d: string, f: string) => JSON.parse(read(d, f).toString("utf8"));

describe("report files with --target loihi2", () => {
  it("two identical compiles write byte-identical files; report.json has no timing, the console has it", async () => {
    const outs = [join(dir, "a"), join(dir, "b")];
    const stdout: string[] = [];
    for (const out of outs) {
      const r = await runCli(["compile", model, "--calib", x, "--target", "loihi2", "-o", out]);
      expect(r.code).toBe(0);
      stdout.push(r.stdout);
    }
    const files = readdirSync(outs[0]!).sort();
    expect(files).toEqual(readdirSync(outs[1]!).sort());
    expect(files).toEqual(expect.arrayContaining(["report.json", "report-data.json", "report.html", "hw.json", "hw.bin", "network.json", "network.bin"]));
    const differing = files.filter((f) => !read(outs[0]!, f).equals(read(outs[1]!, f)));
    expect(differing).toEqual([]);
    const report = json(outs[0]!, "report.json");
    expect(Object.keys(report.hardware.calibration).sort()).toEqual(["agreement", "overflow", "samples", "spikesPerNeuron"]);
    expect(read(outs[0]!, "report.json").toString("utf8")).not.toMatch(/msPerSample/);
    // The tick search's goal (0.99 by default) is met on the calibration data.
    expect(report.hardware.calibration.agreement).toBeGreaterThanOrEqual(0.99);
    const pct = (100 * report.hardware.calibration.agreement).toFixed(2).replace(".", "\\.");
    for (const s of stdout) expect(s).toMatch(new RegExp(`cycle simulation on 200 calibration samples: agreement with the ANN ${pct} %, .* \\d[\\d.e-]* ms per sample`));
  });

  it("verify -o DIR --target loihi2 writes the Cores panel (report-data.json fit) like compile", async () => {
    const c = join(dir, "compiled");
    const v = join(dir, "verified");
    expect((await runCli(["compile", model, "--calib", x, "--target", "loihi2", "-o", c])).code).toBe(0);
    const r = await runCli(["verify", model, "--calib", x, "--input", x, "--target", "loihi2", "-o", v]);
    expect(r.code).toBe(0);
    const compiled = json(c, "report-data.json");
    const verified = json(v, "report-data.json");
    expect(compiled.fit).toBeDefined();
    expect(verified.fit).toEqual(compiled.fit);
    expect(verified.fit.target).toBe("loihi2");
    expect(verified.fit.fits).toBe(true);
    expect(verified.fit.cores.length).toBeGreaterThanOrEqual(1);
    expect(verified.fit.cores.length).toBe(json(v, "report.json").fit.totals.cores);
    expect(verified.verification.agreement).toBe(1);
    expect(verified.verification.compared).toMatch(/input of the final Softmax/);
    const html = read(v, "report.html").toString("utf8");
    expect(html).toContain('data-panel="fit"');
    expect(html).toContain(`cores on loihi2`);
  });

  it("buildReportData adds fit whenever the network was placed, and only then", () => {
    const placed = compile(model, x, { target: "loihi2", hardwareSamples: 50 });
    const plain = compile(model, x);
    const { array } = loadSamples(x, [FEATURES]);
    const samples = { x: array.data, n: 8, source: "x.npy" };
    expect(buildReportData(placed, samples).fit).toEqual(fitSectionOf(placed.report.fit!));
    expect(buildReportData(plain, samples).fit).toBeUndefined();
  });
});
