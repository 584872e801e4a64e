/** A small hand-made ReportData with every optional section, for testing panels whose producers do not exist yet. */
import type { ReportData } from "../../src/report/data.js";
import type { CompileReport } from "../../src/report/report.js";

export function syntheticReport(): CompileReport {
  const layer = (population: string, kind: "input" | "spiking" | "readout", neurons: number, tMin: number, tMax: number, delays: number[] = []) => ({
    population,
    kind,
    onnxNodes: [`${population} (Gemm)`],
    shape: [neurons],
    neurons,
    synapses: neurons * 4,
    maxActivation: kind === "spiking" ? 2 : null,
    window: { tMin, tMax },
    delays,
    widenedFrom: null,
  });
  return {
    format: "spikec.report",
    version: 1,
    model: "skip.onnx",
    neuronModel: "alpha",
    margin: 0.5,
    calibration: { file: "calib.npy", samples: 10, inputRange: { low: 0, high: 1 }, rangeRule: "given" },
    layers: [layer("in", "input", 4, 0, 1), layer("a", "spiking", 3, 1, 4, [0]), layer("b", "spiking", 2, 4, 6, [0, 3]), layer("out", "readout", 2, 6, 6, [0])],
    totals: { neurons: 5, inputNeurons: 4, readoutNeurons: 2, synapses: 44, latency: 6 },
    passes: [{ pass: "to-layers", rewrites: ["'a' (Gemm) → layer"] }],
    notes: ["a <note> with & markup"],
  };
}

export function syntheticData(): ReportData {
  return {
    format: "spikec.report-data",
    version: 1,
    report: syntheticReport(),
    network: {
      populations: [
        { id: "in", kind: "input", shape: [4], neurons: 4, window: { tMin: 0, tMax: 1 }, inputWindow: null },
        { id: "a", kind: "spiking", shape: [3], neurons: 3, window: { tMin: 1, tMax: 4 }, inputWindow: { tMin: 0, tMax: 1 } },
        { id: "b", kind: "spiking", shape: [2], neurons: 2, window: { tMin: 4, tMax: 6 }, inputWindow: { tMin: 1, tMax: 4 } },
        { id: "out", kind: "readout", shape: [2], neurons: 2, window: { tMin: 6, tMax: 6 }, inputWindow: { tMin: 4, tMax: 6 } },
      ],
      edges: [
        { source: "in", target: "a", kind: "dense", delay: 0 },
        { source: "a", target: "b", kind: "dense", delay: 0 },
        { source: "in", target: "b", kind: "identity", delay: 3 },
        { source: "b", target: "out", kind: "dense", delay: 0 },
      ],
    },
    raster: {
      source: "x.npy",
      sample: 0,
      label: 1,
      predicted: 1,
      populations: [
        { id: "in", neurons: 4, window: { tMin: 0, tMax: 1 }, neuron: [0, 1, 2, 3], time: [0, 0.5, 1, 0.25] },
        { id: "a", neurons: 3, window: { tMin: 1, tMax: 4 }, neuron: [0, 2], time: [2, 4] },
        { id: "b", neurons: 2, window: { tMin: 4, tMax: 6 }, neuron: [1], time: [5.5] },
      ],
    },
    histograms: {
      source: "x.npy",
      samples: 1,
      populations: [{ id: "a", window: { tMin: 1, tMax: 4 }, edges: [1, 2.5, 4], counts: [1, 1], early: 1, silent: 0, atTMax: 1, neurons: 3 }],
    },
    logits: { source: "x.npy", samples: 2, classes: 2, ann: [1, 2, 3, -1], snn: [1, 2, -1, 3], agreement: 0.5, maxAbsDelta: 4, maxAbsReference: 3 },
    timeErrors: { source: "x.npy", samples: 1, rows: [{ population: "a", kind: "spiking", neurons: 3, spikesPerNeuron: 1, maxTimeError: 0.25, early: 1, scanned: 3 }] },
    quantization: {
      target: "loihi1",
      tickWindows: 0.125,
      samples: 8,
      rows: [
        { population: "a", maxError: 0.0625, meanError: 0.02, maxTicks: 0.5, meanTicks: 0.16, missing: 0, extra: 0, spikes: 24 },
        { population: "b", maxError: 0.25, meanError: 0.1, maxTicks: 0.5, meanTicks: 0.2, missing: 1, extra: 2, spikes: 16 },
      ],
      agreement: 0.875,
      maxAbsDelta: 0.3,
    },
    cycle: { target: "loihi1", tickWindows: 0.125, populations: [{ id: "a", neuron: [0, 2], time: [2.125, 4] }] },
    fit: {
      target: "loihi1",
      resources: ["neurons", "input axons", "synapse memory"],
      capacity: [1024, 4096, 16384],
      binding: "synapse memory",
      fits: false,
      cores: [
        { core: 0, populations: ["a"], used: [512, 100, 16000] },
        { core: 1, populations: ["b"], used: [256, 50, 20000] },
        { core: 2, populations: ["b"], used: [0, 0, 0] },
      ],
      coresAvailable: 128,
    },
    approximations: [{ stage: "quantize", what: "weights rounded to 8-bit mantissas", effect: "max |Δt| 0.25 windows" }],
  };
}
