/**
 * ReportData from a real compile (the digits MLP, both neuron models) and the report files the CLI writes:
 * the numbers in the pictures are the simulator's, report.json stays compact, and `spikec report` redraws the same bytes.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compile } from "../../src/compile.js";
import { readNpy } from "../../src/io/npy.js";
import { buildReportData, REPORT_SAMPLES } from "../../src/report/collect.js";
import { renderReportHtml } from "../../src/report/html/render.js";
import { compileSchema } from "../../src/util/schema.js";
import { runCli } from "../helpers/cli.js";
import { scratchDir } from "../helpers/scratch.js";

const MLP = "test/fixtures/mlp_digits.onnx";
const CALIB = "test/fixtures/digits_calib_x.npy";
const TEST_X = "test/fixtures/digits_test_x.npy";
const TEST_Y = "test/fixtures/digits_test_y.npy";

let tmp: string;
beforeAll(() => {
  tmp = scratchDir("spikec-report-data-");
});

describe("buildReportData", () => {
  for (const model of ["alpha", "b1"] as const) {
    it(`${model}: raster, histograms, logits and time errors agree with the exact mapping`, () => {
      const compiled = compile(MLP, CALIB, { model });
      const x = readNpy(TEST_X);
      const labels = readNpy(TEST_Y).data;
      const d = buildReportData(compiled, { x: x.data, n: 597, source: TEST_X, labels, rasterSample: 3 });
      expect(d.raster!.sample).toBe(3);
      expect(d.raster!.label).toBe(labels[3]);
      // α: every neuron spikes exactly once; B1: zero activations stay silent.
      for (const p of d.raster!.populations) {
        if (model === "alpha") expect(p.neuron.length).toBe(p.neurons);
        else expect(p.neuron.length).toBeLessThanOrEqual(p.neurons);
        for (const t of p.time) {
          expect(t).toBeGreaterThanOrEqual(p.window.tMin);
          expect(t).toBeLessThanOrEqual(p.window.tMax);
        }
      }
      // Histograms account for every neuron of every sample, with no early spikes.
      expect(d.histograms!.samples).toBe(REPORT_SAMPLES);
      for (const h of d.histograms!.populations) {
        expect(h.counts.reduce((a, b) => a + b, 0) + h.early + h.silent).toBe(h.neurons);
        expect(h.early).toBe(0);
        if (model === "alpha") expect(h.silent).toBe(0);
        expect(h.edges.length).toBe(h.counts.length + 1);
      }
      const l = d.logits!;
      expect(l.samples).toBe(REPORT_SAMPLES);
      expect(l.ann.length).toBe(REPORT_SAMPLES * 10);
      expect(l.agreement).toBe(1);
      expect(l.maxAbsDelta).toBeLessThanOrEqual(1e-9 * l.maxAbsReference);
      for (const r of d.timeErrors!.rows) {
        expect(r.maxTimeError).toBeLessThan(1e-9);
        expect(r.early).toBe(0);
      }
      // The diagram's edges are the network's projections.
      expect(d.network.edges.map((e) => `${e.source}→${e.target}`)).toEqual(["input→/0/Gemm", "/0/Gemm→/2/Gemm"]);
    });
  }

  it("is deterministic: two builds render the same bytes", () => {
    const compiled = compile(MLP, CALIB);
    const x = readNpy(CALIB);
    const a = renderReportHtml(buildReportData(compiled, { x: x.data, n: 10, source: CALIB }));
    const b = renderReportHtml(buildReportData(compile(MLP, CALIB), { x: x.data, n: 10, source: CALIB }));
    expect(a).toBe(b);
  });
});

describe("report files from the CLI", () => {
  it("compile writes report.html and report-data.json; report.json holds no spike arrays; spikec report redraws the same bytes", async () => {
    const out = join(tmp, "mlp");
    const c = await runCli(["compile", MLP, "--calib", CALIB, "-o", out, "--report-input", TEST_X, "--report-sample", "5"]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toContain("report.html");
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html).toContain("Sample 5 of digits_test_x.npy");
    const report = readFileSync(join(out, "report.json"), "utf8");
    expect(report).not.toContain("raster");
    expect(statSync(join(out, "report.json")).size).toBeLessThan(10_000);
    const r = await runCli(["report", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrote .*report\.html \([\d,]+ bytes\)/);
    expect(readFileSync(join(out, "report.html"), "utf8")).toBe(html);
  });

  it("--no-html writes no report.html", async () => {
    const out = join(tmp, "nohtml");
    expect((await runCli(["compile", MLP, "--calib", CALIB, "-o", out, "--no-html", "--json"])).code).toBe(0);
    expect(existsSync(join(out, "report.json"))).toBe(true);
    expect(existsSync(join(out, "report.html"))).toBe(false);
  });

  it("verify -o writes the report with the whole run's agreement and accuracy", async () => {
    const out = join(tmp, "verify");
    const v = await runCli(["verify", MLP, "--calib", CALIB, "--input", TEST_X, "--labels", TEST_Y, "-o", out, "--json", "--no-onnxruntime"]);
    expect(v.code, v.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    expect(report.verification.samples).toBe(597);
    expect(report.verification.agreement).toBe(1);
    expect(report.verification.snnAccuracy).toBeCloseTo(JSON.parse(v.stdout).snnAccuracy, 12);
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html).toContain("Whole verify run (597 inputs of digits_test_x.npy): agreement 100.00 %");
    expect(html).toContain("accuracy SNN / ANN");
  });

  it("verify --target -o: the chip's cycle lines and the onnxruntime comparison are in report.json and the HTML, as verify --json gives them (audit: only the exact SNN's)", async () => {
    const out = join(tmp, "verify-chip");
    const v = await runCli(["verify", MLP, "--calib", CALIB, "--input", TEST_X, "--labels", TEST_Y, "--target", "loihi2", "--ticks", "8", "-o", out, "--json"]);
    expect(v.code, v.stderr).toBe(0);
    const doc = JSON.parse(v.stdout);
    const { verification } = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    const { fit: _fit, ...cycle } = doc.cycle;
    expect(verification.chip).toEqual(cycle);
    expect(verification.chip.accuracy).toBeGreaterThan(0.9);
    expect(verification.onnxruntime).toEqual({ inputType: doc.annVsOnnxruntime.inputType, agreement: doc.annVsOnnxruntime.agreement, maxAbsDelta: doc.annVsOnnxruntime.maxAbsDelta, agrees: true });
    // report.json follows its schema with every section (hardware, fit, verification with chip and onnxruntime).
    const validate = compileSchema("report.schema.json");
    expect(validate(JSON.parse(readFileSync(join(out, "report.json"), "utf8"))), JSON.stringify(validate.errors)).toBe(true);
    const html = readFileSync(join(out, "report.html"), "utf8");
    const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
    expect(html).toContain(`On loihi2 (cycle simulation, 8 ticks per window, latency ${cycle.latencyTicks} ticks): agreement with the ANN ${pct(cycle.agreement)}`);
    expect(html).toContain(`agreement on loihi2 (8 ticks per window)`);
    expect(html).toContain(`accuracy on loihi2`);
    expect(html).toMatch(/ANN \(float64\) vs onnxruntime \(float32 input\): agreement 100\.00 %/);
  }, 120_000);

  it("verify -o --report-input: the verification names the file verify checked, not the one the report draws", async () => {
    const out = join(tmp, "verify-other");
    const v = await runCli(["verify", MLP, "--calib", CALIB, "--input", TEST_X, "-o", out, "--report-input", CALIB, "--json", "--no-onnxruntime"]);
    expect(v.code, v.stderr).toBe(0);
    const { verification } = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    expect([verification.source, verification.samples]).toEqual([TEST_X, 597]);
  });

  it("a bad --report-sample is refused before any file is written, and says what to try", async () => {
    const out = join(tmp, "bad");
    const c = await runCli(["compile", MLP, "--calib", CALIB, "-o", out, "--report-sample", "64"]);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/--report-sample 64 is not a sample .* 0\.\.63\)\n  try: pick a sample index below 64/);
    expect(existsSync(out)).toBe(false);
    const r = await runCli(["report", join(tmp, "nowhere")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/report\.json does not exist\n  try: /);
  });
});
