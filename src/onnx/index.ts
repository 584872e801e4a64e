/** ONNX front end: .onnx → AnnGraph (see import.ts), and `inspect` for the per-node support table. */
export { importOnnx, importOnnxBytes, type NodeReport } from "./import.js";
export { inspectModel, inspectModelBytes, type ModelReport } from "./inspect.js";
export { SUPPORTED_OPS, supportedOpList } from "./supported.js";
