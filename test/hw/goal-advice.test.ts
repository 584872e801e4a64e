/**
 * A chip that misses its agreement goal says why and what to try: the layers whose weights round to 0 (which more
 * ticks do not bring back), else the time grid. An audit found only "(goal NOT reached)" at the end of a tick line.
 */
import { describe, expect, it, vi } from "vitest";
import { goalAdvice } from "../../src/hw/goal-advice.js";
import type { HardwareLayer, HardwareReport } from "../../src/hw/report.js";
import { printHardware } from "../../src/cli/print-hardware.js";

const layer = (population: string, zeroed: number, nonzero: number, neuronsLost = 0): HardwareLayer =>
  ({ population, kind: "spiking", window: [0, 16], ticks: 16, tick: 1, weights: [], zeroedWeights: { zeroed, nonzero, neuronsLost }, slope: 1, thresholdMantissa: 1, bounds: null, extraNeurons: 0, extraSynapses: 0, spikesPerNeuron: 1 }) as HardwareLayer;

const report = (layers: HardwareLayer[], reached = false, notes: string[] = []): HardwareReport =>
  ({
    target: "loihi1", ticksPerWindow: 32, ticks: 100, latencyTicks: 99, agreementGoal: 0.99,
    calibration: { samples: 500, agreement: 0.98, spikesPerNeuron: 1, overflow: { u: 0, v: 0 } },
    curve: [{ ticks: 32, agreement: 0.98, samples: 500, lowerBound: 0.975, stopped: false }], reached, layers,
    totals: { extraNeurons: 0, extraSynapses: 0, clockNeurons: 0, relayNeurons: 0, hwNeurons: 0 }, boundsBasis: "", notes,
  }) as unknown as HardwareReport;

describe("goalAdvice", () => {
  const lossyLayers = [layer("/c1/Conv", 1, 576), layer("/fc1/Gemm", 2601, 25088, 3), layer("/fc2/Gemm", 7, 320)];

  it("names the layers with ≥ 1 % of their weights rounded to 0, worst first, as possible causes, with the model-side cure", () => {
    const a = goalAdvice(report(lossyLayers));
    expect(a.why).toEqual([
      "/fc1/Gemm: 2,601 of 25,088 weights (10.4 %) round to 0 on loihi1, 3 neurons left with no input weight (one exponent per neuron or output channel: weights under half its mantissa step)",
      "/fc2/Gemm: 7 of 320 weights (2.2 %) round to 0 on loihi1 (one exponent per neuron or output channel: weights under half its mantissa step)",
    ]);
    expect(a.hint).toBe(
      "try: a model whose weights into each neuron span less than the chip's mantissa range (fine-tuning with weight quantization, or L2 regularization); --margin if inputs exceed the calibration data; a lower goal (--agreement)",
    );
  });

  it("ticks given (--ticks): more ticks come first, rounded weights or not (a review: mlp_digits on Loihi 1 at --ticks 4 was told to retrain, and reached the goal at 8)", () => {
    const a = goalAdvice({ ...report(lossyLayers), ticksGiven: true });
    expect(a.hint).toMatch(/^try: more ticks per window than --ticks 32 \(each doubling halves the time grid's step\), or no --ticks: the search takes the fewest that reach the goal; a model whose weights/);
  });

  it("the tick search still rising at its largest budget: more ticks than it tried; falling: not suggested", () => {
    const curve = (points: [number, number][]) => points.map(([ticks, agreement]) => ({ ticks, agreement, samples: 500, lowerBound: agreement - 0.01, stopped: false }));
    const rising = goalAdvice({ ...report([layer("/c1/Conv", 1, 576)]), curve: curve([[16, 0.95], [32, 0.97], [64, 0.98]]) } as HardwareReport);
    expect(rising.hint).toBe("try: more ticks per window than the search's largest, 64 (--ticks 128): its agreement was still rising; --margin if inputs exceed the calibration data; a lower goal (--agreement)");
    const falling = goalAdvice({ ...report(lossyLayers), curve: curve([[32, 0.98], [64, 0.96], [128, 0.9]]) } as HardwareReport);
    expect(falling.hint).not.toMatch(/more ticks/);
  });

  it("widened windows are named when noted", () => {
    const a = goalAdvice(report([layer("/c1/Conv", 1, 576)], false, ["quantize: wider windows than the activations need (…): /c1/Conv 2×"]));
    expect(a.why).toEqual(["some layers run on coarser grids than their ticks (widened windows or coarsened weight rows: see the notes)"]);
  });

  it("printHardware prints the advice only when the goal is missed", () => {
    const lines = (h: HardwareReport): string => {
      const spy = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
      try {
        printHardware(h);
        return spy.mock.calls.map((c) => String(c[0])).join("");
      } finally {
        spy.mockRestore();
      }
    };
    const missed = lines(report([layer("/fc1/Gemm", 2601, 25088)]));
    expect(missed).toContain("the agreement goal 99.00 % is not reached at 32 ticks per window; possible causes:\n  - /fc1/Gemm: 2,601 of 25,088 weights (10.4 %) round to 0");
    expect(missed).toContain("\ntry: a model whose weights");
    expect(lines(report([layer("/fc1/Gemm", 2601, 25088)], true))).not.toContain("not reached");
  });
});
