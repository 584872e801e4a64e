/**
 * spikec as a library. The API mirrors the commands: compile (ONNX → SNN [→ HW]), verify, simulate (exact and cycle
 * engines), fit, the report (data, files and HTML), and the file formats. Everything is plain data in and out; nothing here keeps global state.
 */
export { compile, compileGraph, inputRangeFor, loadSamples, type CompileOptions, type Compiled } from "./compile.js";
export { verifyCompiled, type VerifyResult, type LayerCheck } from "./verify/verify.js";
export { compareLogits, accuracy, argmaxRows, type Agreement } from "./verify/compare.js";

export { importOnnx, importOnnxBytes, inspectModel } from "./onnx/index.js";
export type { AnnGraph, AnnNode, Term, Origin } from "./ann/graph.js";
export { execute } from "./ann/execute.js";
export { canonicalize } from "./ann/canonicalize.js";

export { mapToSnn, type MappingOptions, type MappingResult } from "./mapping/map.js";
export type { SnnNetwork, Population, Projection, NeuronModel } from "./snn/network.js";
export { saveNetwork, loadNetwork } from "./snn/serialize.js";
export { verifyNetwork } from "./snn/verify.js";
export { simulateExact, type ExactResult } from "./sim/exact/simulate.js";

export { loadTarget, listTargets } from "./hw/target/load.js";
export { targetForHw } from "./hw/target/for-hw.js";
export { targetDigest } from "./hw/target/digest.js";
export type { Target } from "./hw/target/target.js";
export type { HwNetwork } from "./hw/network.js";
export { lowerToHw } from "./hw/lower.js";
export { saveHwNetwork, loadHwNetwork } from "./hw/serialize.js";
export { verifyHwNetwork } from "./hw/verify.js";
export { simulateCycle, compileCycle, runCycle, simulateCycleBatch } from "./sim/cycle/index.js";
export type { CycleBatchResult } from "./sim/cycle/index.js";
export { encodeInputTicks } from "./hw/io.js";

export { place } from "./place/place.js";
export { buildFitReport } from "./place/fit-report.js";

export { collectReport, type ReportSampleOptions } from "./report/write.js";
export { buildReportData } from "./report/collect.js";
export { writeReportData, loadReportData } from "./report/files.js";
export { renderReportHtml } from "./report/html/render.js";
export type { ReportData } from "./report/data.js";
export type { CompileReport } from "./report/report.js";

export { exportNir } from "./nir/export.js";
export { interpretNir } from "./nir/interpret.js";
export { importNir } from "./nir/import.js";
export { readNir, readNirFile } from "./nir/read.js";
export { writeNir } from "./nir/write.js";
export { checkNir } from "./nir/check.js";

export { readNpy, writeNpy, type NpyArray } from "./io/npy.js";
export { SpikecError, InputError } from "./util/errors.js";
