/**
 * The tick search (src/hw/ticks.ts) on mlp_digits for Loihi 2: it takes the first candidate whose full cycle run meets
 * the rule (Wilson bound ≥ goal, or every sample agreeing), and when none does, the closest one measured on every
 * calibration sample — never an early-stopped partial run.
 */
import { describe, expect, it } from "vitest";
import { compileGraph, loadSamples } from "../../src/compile.js";
import { execute } from "../../src/ann/execute.js";
import { importOnnx } from "../../src/onnx/import.js";
import { loadTarget } from "../../src/hw/target/load.js";
import { agreementLowerBound, chooseTicks, confidentAgreement, goalText, samplesToShow } from "../../src/hw/ticks.js";
import { AnnBuilder, randomInputs } from "../helpers/ann-builder.js";

const FIX = "test/fixtures";

describe("tick search", () => {
  const ann = importOnnx(`${FIX}/mlp_digits.onnx`);
  const calib = loadSamples(`${FIX}/digits_calib_x.npy`, ann.nodes[0]!.shape);
  const compiled = compileGraph(ann, calib.array, calib.count, "calib", {});
  const n = 200;
  const x = calib.array.data.subarray(0, n * 64);
  const reference = execute(ann, x, n).get(ann.output)!;
  const target = loadTarget("loihi2");

  it("the Wilson bound: below the measured proportion, and below 1 even when every sample agrees", () => {
    expect(agreementLowerBound(200, 200)).toBeCloseTo(1 / (1 + 0.25 / 200), 12);
    expect(agreementLowerBound(198, 200)).toBeLessThan(0.99);
    expect(agreementLowerBound(0, 0)).toBe(0);
  });

  it("--agreement 1: the first budget on which every sample agrees, measured on all of them", () => {
    const choice = chooseTicks(compiled.net, target, x, n, reference, { agreement: 1, candidates: [4, 8, 16, 32, 64] });
    const last = choice.curve.at(-1)!;
    console.log(`mlp_digits loihi2, goal 100 %: ${choice.curve.map((p) => `${p.ticks}:${(100 * p.agreement).toFixed(1)}%${p.stopped ? "(stopped)" : ""}`).join(" ")}`);
    expect(choice.reached).toBe(true);
    expect(choice.ticks).toBe(last.ticks);
    expect(choice.evaluation.samples).toBe(n);
    expect(choice.evaluation.disagreeing).toBe(0);
    expect(last).toMatchObject({ agreement: 1, samples: n, stopped: false });
    // every smaller budget failed: stopped at its first disagreement
    for (const p of choice.curve.slice(0, -1)) expect(p.stopped).toBe(true);
  }, 120_000);

  it("no budget reaches the goal: the closest one, re-measured on every sample", () => {
    const choice = chooseTicks(compiled.net, target, x, n, reference, { agreement: 1, candidates: [4, 6] });
    expect(choice.reached).toBe(false);
    expect(choice.curve.map((p) => p.stopped)).toEqual([true, true]);
    const best = choice.curve.reduce((a, p) => (p.agreement > a.agreement ? p : a));
    expect(choice.ticks).toBe(best.ticks);
    expect(choice.evaluation.stopped).toBe(false);
    expect(choice.evaluation.samples).toBe(n);
    expect(choice.evaluation.disagreeing).toBeGreaterThan(0);
    expect(choice.evaluation.agreement!).toBeGreaterThanOrEqual(best.agreement);
  }, 120_000);
});

describe("a tick search whose ANN predicts one class (an untrained model)", () => {
  it("says its agreement cannot tell budgets apart; with --ticks it says nothing", () => {
    const b = new AnnBuilder([8], 4);
    const out = b.dense(b.relu(b.dense(b.input, 6)), 3);
    const node = b.nodes.find((n) => n.id === out)!;
    if (node.kind !== "dense") throw new Error("builder changed");
    node.bias!.set([50, 0, 0]); // class 0 on every input
    const ann = b.build();
    const n = 40;
    const calib = { shape: [n, 8], dtype: "<f8", data: randomInputs(ann, n, 5) };
    const searched = compileGraph(ann, calib, n, "calib", { target: "loihi2" });
    const note = searched.hw!.net.notes.find((s) => s.startsWith("tick search: the ANN predicts"));
    console.log(note);
    expect(note).toMatch(/class 0 for 100\.0 % of the 40 calibration samples/);
    expect(searched.report.hardware!.notes).toContain(note);
    const given = compileGraph(ann, calib, n, "calib", { target: "loihi2", ticks: 16 });
    expect(given.hw!.net.notes.some((s) => s.startsWith("tick search:"))).toBe(false);
  });
});

describe("a tick search on too few samples to show its goal", () => {
  it("the 95 % bounds: 299 of 299 show 99 %, 298 do not; one miss needs more", () => {
    expect(samplesToShow(0.99)).toBe(299);
    expect(confidentAgreement(299, 299)).toBeGreaterThanOrEqual(0.99);
    expect(confidentAgreement(298, 298)).toBeLessThan(0.99);
    expect(confidentAgreement(40, 40)).toBeCloseTo(0.05 ** (1 / 40), 12);
    expect(confidentAgreement(499, 500)).toBeLessThan(confidentAgreement(500, 500));
    expect(samplesToShow(1)).toBe(Infinity);
  });

  it("mlp_digits on loihi2 calibrated on 40 samples: the chosen budget's note says what 40 show; 500 samples say nothing", () => {
    const ann = importOnnx(`${FIX}/mlp_digits.onnx`);
    const calib = loadSamples(`${FIX}/digits_calib_x.npy`, ann.nodes[0]!.shape);
    const few = { ...calib.array, shape: [40, 64], data: calib.array.data.subarray(0, 40 * 64) };
    const small = compileGraph(ann, few, 40, "calib", { target: "loihi2" });
    const h = small.report.hardware!;
    expect(h.reached).toBe(true);
    const agreeing = Math.round(h.calibration.agreement * 40);
    const note = h.notes.find((s) => s.startsWith("tick search:"));
    console.log(note);
    expect(note).toBe(
      `tick search: ${agreeing} of 40 calibration samples agree at ${small.hw!.choice.ticks} ticks per window, which shows the agreement above ${(100 * confidentAgreement(agreeing, 40)).toFixed(1)} % only ` +
        "(95 % confidence), not the goal's 99.00 %: other inputs may agree less at this budget; calibrate with more samples (299 all agreeing show 99.00 %), or pass --ticks",
    );
    const many = compileGraph(ann, calib.array, calib.count, "calib", { target: "loihi2" });
    expect(many.report.hardware!.calibration.samples).toBe(500);
    const k = Math.round(many.report.hardware!.calibration.agreement * 500);
    expect(many.report.hardware!.notes.some((s) => s.startsWith("tick search:"))).toBe(confidentAgreement(k, 500) < 0.99);
    console.log(`500 samples: ${k} agree at ${many.hw!.choice.ticks} ticks, shown ${(100 * confidentAgreement(k, 500)).toFixed(2)} %`);
  }, 120_000);
});

describe("goalText", () => {
  const point = (agreement: number, samples: number) => ({ ticks: 4, agreement, lowerBound: agreementLowerBound(Math.round(agreement * samples), samples), samples, stopped: false });
  it("says why a budget whose measured agreement meets the goal misses it (audit: '99.00 % … goal 99.00 % … NOT reached')", () => {
    expect(goalText({ reached: true, agreementGoal: 0.99, ticksPerWindow: 4, curve: [point(1, 500)] })).toBe("");
    expect(goalText({ reached: false, agreementGoal: 0.99, ticksPerWindow: 4, curve: [point(0.98, 500)] })).toBe("(goal NOT reached)");
    const lb = agreementLowerBound(496, 500);
    expect(lb).toBeLessThan(0.99);
    expect(goalText({ reached: false, agreementGoal: 0.99, ticksPerWindow: 4, curve: [point(0.992, 500)] })).toBe(
      `(goal NOT reached: 99.20 % on 500 samples leaves a lower bound of ${(100 * lb).toFixed(2)} %, half a standard deviation below, under the goal)`,
    );
  });
});
