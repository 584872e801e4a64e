/**
 * Where a model came from: its name for messages and the folder that external data is resolved against. Kept apart
 * from the decoder so that the library's public declarations do not reach onnx-proto's (which need `Long`).
 */
export interface ModelSource {
  file: string;
  dir?: string;
}
