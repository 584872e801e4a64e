/**
 * report.json: what the compiler did to a model, layer by layer, with every adjustment and approximation in words.
 * Plain data (schemas/report.schema.json); the CLI prints it as a table, the HTML report draws it.
 */
import type { AnnGraph } from "../ann/graph.js";
import { product } from "../ann/graph.js";
import type { PassLog } from "../ann/passes/ann-pass.js";
import type { MappingResult } from "../mapping/map.js";
import type { Population } from "../snn/network.js";
import { synapseCount } from "../snn/synapses.js";
import type { HardwareReport } from "../hw/report.js";
import type { FitReport } from "../place/fit-report.js";
import type { VerificationSummary } from "./data.js";

export interface LayerRow {
  population: string;
  kind: Population["kind"];
  /** ONNX nodes (names and ops) the population computes. */
  onnxNodes: string[];
  shape: number[];
  neurons: number;
  /** Real synapses onto this population (padded taps and zero weights not counted). */
  synapses: number;
  /** Calibrated maximum activation X_n (spiking layers). */
  maxActivation: number | null;
  window: { tMin: number; tMax: number };
  /** Delays on incoming projections (skip paths, concatenation), in input windows. */
  delays: number[];
  /** The window was widened beyond (1 + ζ)·X_n to prevent premature crossings on the calibration data. */
  widenedFrom: number | null;
}

export interface CompileReport {
  format: "spikec.report";
  version: 1;
  model: string;
  neuronModel: "alpha" | "b1";
  margin: number;
  calibration: { file: string; samples: number; inputRange: { low: number; high: number }; rangeRule: string };
  layers: LayerRow[];
  totals: {
    /** Neurons that spike: spiking populations and max-pool gates (the input and the readout not counted). */
    neurons: number;
    inputNeurons: number;
    readoutNeurons: number;
    synapses: number;
    /** Readout time, in input windows. */
    latency: number;
  };
  /** Canonicalization: every rewrite of the ONNX graph, by pass. */
  passes: PassLog[];
  /** Adjustments and approximations, in words. */
  notes: string[];
  /** Filled by `spikec verify -o` (src/report/data.ts). */
  verification?: VerificationSummary;
  /** Filled by compile --target: the hardware lowering (src/hw/report.ts). */
  hardware?: HardwareReport;
  /** Filled by compile --target: placement on the target's cores (src/place/fit-report.ts). */
  fit?: FitReport;
}

export interface ReportInput {
  ann: AnnGraph;
  canonical: AnnGraph;
  mapping: MappingResult;
  passLog: PassLog[];
  calibration: CompileReport["calibration"];
}

export function buildReport({ ann, mapping, passLog, calibration }: ReportInput): CompileReport {
  const { net, layers: mapped } = mapping;
  const byId = new Map(net.populations.map((p) => [p.id, p]));
  const widened = new Map(mapped.filter((l) => l.window > l.windowPlanned).map((l) => [l.id, l.windowPlanned]));
  const rows: LayerRow[] = net.populations.map((pop) => {
    const projections = pop.kind === "spiking" || pop.kind === "readout" ? pop.projections : pop.kind === "gate" ? [pop.projection] : [];
    const synapses = projections.reduce((a, p) => a + synapseCount(p, byId.get(p.source)!.shape, pop.shape), 0);
    return {
      population: pop.id,
      kind: pop.kind,
      onnxNodes: pop.origin.map((o) => `${o.name} (${o.op})`),
      shape: pop.shape,
      neurons: product(pop.shape),
      synapses,
      maxActivation: pop.kind === "spiking" ? pop.maxActivation : null,
      window: pop.window,
      delays: projections.map((p) => p.delay),
      widenedFrom: widened.get(pop.id) ?? null,
    };
  });
  const sum = (f: (r: LayerRow) => number, kinds: Population["kind"][]) => rows.filter((r) => kinds.includes(r.kind)).reduce((a, r) => a + f(r), 0);
  const readout = net.populations[net.populations.length - 1]!;
  return {
    format: "spikec.report",
    version: 1,
    model: ann.source,
    neuronModel: net.model,
    margin: net.compiledFrom.margin,
    calibration,
    layers: rows,
    totals: {
      neurons: sum((r) => r.neurons, ["spiking", "gate"]),
      inputNeurons: sum((r) => r.neurons, ["input"]),
      readoutNeurons: sum((r) => r.neurons, ["readout"]),
      synapses: sum((r) => r.synapses, ["spiking", "gate", "readout"]),
      latency: readout.window.tMin,
    },
    passes: passLog,
    notes: net.notes,
  };
}
