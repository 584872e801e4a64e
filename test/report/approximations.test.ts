/**
 * The report's approximations on a chip (src/report/approximations.ts): the tick grid with the agreement it kept on
 * the calibration data and the spike-time errors against the exact simulation, the registers with the events counted,
 * and the lowering's notes — numbers taken from the runs that measured them, not restated.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../../src/compile.js";
import { readNpy } from "../../src/io/npy.js";
import { buildReportData } from "../../src/report/collect.js";
import { renderReportHtml } from "../../src/report/html/render.js";

describe("approximations of a lowering (mlp_digits on loihi2, 16 ticks)", () => {
  const compiled = compile("test/fixtures/mlp_digits.onnx", "test/fixtures/digits_calib_x.npy", { target: "loihi2", ticks: 16 });
  const x = readNpy("test/fixtures/digits_test_x.npy");
  const d = buildReportData(compiled, { x: x.data, n: 64, source: "test_x" });
  const h = compiled.report.hardware!;
  const q = d.quantization!;

  it("time: the grid, and its measured effect from the calibration run and the report samples", () => {
    const time = d.approximations!.find((a) => a.stage === "time")!;
    expect(time.what).toBe("spike times on a grid of 16 ticks per window (loihi2; searched for 99.00 % agreement: 16 → " + `${(100 * h.curve[0]!.agreement).toFixed(2)} %)`);
    expect(time.effect).toContain(`on ${h.calibration.samples} calibration samples: argmax agreement ${(100 * h.calibration.agreement).toFixed(2)} %`);
    // Each layer's errors in its own ticks (a hidden layer's tick is its window / 16, not the input's).
    const worstTicks = Math.max(...q.rows.map((r) => r.maxTicks));
    expect(worstTicks).toBeGreaterThan(0);
    expect(time.effect).toContain(`on ${q.samples} report samples: largest spike-time error ${worstTicks.toFixed(3).replace(/\.?0+$/, "")} ticks (of the layer's own)`);
    expect(time.effect).toContain(`argmax agreement ${(100 * q.agreement).toFixed(2)} %`);
  });

  it("registers: the calibration run's events; every lowering note listed, roundings pointing to the time row", () => {
    expect(d.approximations!.find((a) => a.stage === "registers")!.effect).toBe("no wrap or clip in the calibration run");
    const notes = d.approximations!.filter((a) => a.stage === "hardware");
    expect(notes.map((a) => a.what)).toEqual(h.notes);
    expect(notes.find((a) => a.what.startsWith("quantize:"))!.effect).toBe("measured together with the tick grid: see the time row");
    expect(renderReportHtml(d)).toContain("spike times on a grid of 16 ticks per window");
  });

  it("without a target: no hardware rows (the mapping is exact; its notes are the report's own)", () => {
    const plain = buildReportData(compile("test/fixtures/mlp_digits.onnx", "test/fixtures/digits_calib_x.npy"), { x: x.data, n: 8, source: "test_x" });
    expect(plain.approximations).toBeUndefined();
  });
});
