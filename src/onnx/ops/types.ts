import type { NodeContext } from "../context.js";

/** Imports one ONNX node: reads its inputs, emits ANN nodes, binds its outputs (or fails with an InputError). */
export type OpHandler = (n: NodeContext) => void;
