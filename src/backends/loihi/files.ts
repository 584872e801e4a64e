/** DIR/loihi/cores.json + cores.bin (src/io/sidecar.ts), validated by schemas/cores.schema.json on read. */
import { join } from "node:path";
import { ensureFolder } from "../../io/atomic.js";
import { readWithSidecar, writeWithSidecar } from "../../io/sidecar.js";
import { compileSchema, validateOrThrow } from "../../util/schema.js";
import type { CoresConfig } from "./config.js";

export const CORES_FILE = join("loihi", "cores.json");

export function writeCoresFile(dir: string, cfg: CoresConfig): string[] {
  ensureFolder(join(dir, "loihi"));
  const path = join(dir, CORES_FILE);
  writeWithSidecar(path, cfg);
  return [path, path.replace(/\.json$/, ".bin")];
}

export function readCoresFile(path: string): CoresConfig {
  const validate = compileSchema("cores.schema.json");
  const doc = readWithSidecar(path, (raw) => validateOrThrow(validate, raw, path, "re-emit it with spikec compile … --target ID --emit loihi")) as Record<string, unknown>;
  const { sidecar: _sidecar, ...rest } = doc;
  return rest as unknown as CoresConfig;
}
