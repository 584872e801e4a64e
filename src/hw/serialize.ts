/**
 * hw.json + hw.bin: the HW IR on disk (JSON with a binary sidecar, src/io/sidecar.ts), validated against
 * schemas/hw-ir.schema.json and the structural invariants on load; the target's ranges when a target is given.
 */
import { readInputFile, readRegularFile } from "../io/regular-file.js";
import { existsSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { readWithSidecar, writeWithSidecar } from "../io/sidecar.js";
import { sha256 } from "../util/sha256.js";
import { NETWORK_FILE } from "../snn/serialize.js";
import { InputError } from "../util/errors.js";
import { compileSchema, validateOrThrow } from "../util/schema.js";
import { HW_FORMAT, type HwNetwork } from "./network.js";
import type { Target } from "./target/target.js";
import { hwIssues, hwStructureIssues, describeIssue } from "./verify.js";

export const HW_FILE = "hw.json";

/** Writes DIR/hw.json and DIR/hw.bin; returns the JSON path. Deterministic: the same network gives the same bytes. */
export function saveHwNetwork(dir: string, net: HwNetwork): string {
  const path = join(dir, HW_FILE);
  writeWithSidecar(path, net);
  return path;
}

/**
 * Removes DIR/hw.json and its sidecar when they are a HW IR spikec wrote (format spikec.hw): a compile without
 * --target into a folder that holds an earlier compile's lowering, which simulate --engine cycle and fit would
 * otherwise run as if it belonged to the new network. Anything else under that name is left alone. Returns what
 * was removed.
 */
export function removeStaleHw(dir: string): string[] {
  const path = join(dir, HW_FILE);
  let doc: { format?: unknown; sidecar?: unknown };
  try {
    doc = JSON.parse(readRegularFile(path, "utf8")) as typeof doc;
  } catch {
    return []; // none, or not ours
  }
  if (doc === null || typeof doc !== "object" || doc.format !== HW_FORMAT) return [];
  const removed: string[] = [];
  if (typeof doc.sidecar === "string" && /^[^/\\]+$/.test(doc.sidecar) && existsSync(join(dir, doc.sidecar))) {
    rmSync(join(dir, doc.sidecar));
    removed.push(join(dir, doc.sidecar));
  }
  rmSync(path);
  removed.push(path);
  return removed;
}

/** The custom target file a hw.json records (`targetFile`), without loading the network; undefined if none or unreadable. */
export function recordedTargetFile(hwJson: string): string | undefined {
  try {
    const file = (JSON.parse(readRegularFile(hwJson, "utf8")) as { targetFile?: unknown }).targetFile;
    return typeof file === "string" ? file : undefined;
  } catch {
    return undefined; // no hw.json, or not JSON: the command's loader reports it
  }
}

/** The hw.json a directory or file argument names (DIR/hw.json for a directory). */
export function hwPathOf(dirOrFile: string): string {
  return existsSync(dirOrFile) && statSync(dirOrFile).isDirectory() ? join(dirOrFile, HW_FILE) : dirOrFile;
}

/**
 * Loads DIR/hw.json (or the JSON file itself): schema, structure, and — with `target` — every integer against
 * the target's ranges. Errors name the file.
 */
export function loadHwNetwork(dirOrFile: string, target?: Target): HwNetwork {
  const path = hwPathOf(dirOrFile);
  if (!existsSync(path))
    throw new InputError(`${path} does not exist`, "compile for a chip first: spikec compile MODEL.onnx --calib X.npy -o DIR --target loihi2 (it writes DIR/hw.json)");
  const validate = compileSchema("hw-ir.schema.json");
  const doc = readWithSidecar(path, (raw) => validateOrThrow(validate, raw, path, "recompile with spikec compile … --target ID")) as Record<string, unknown>;
  const { sidecar: _sidecar, ...rest } = doc;
  const net = rest as unknown as HwNetwork;
  // Lowered from the network.json beside it? (A folder can hold two runs' files after an interrupted write.)
  const beside = join(dirname(path), NETWORK_FILE);
  if (net.networkSha256 !== undefined && existsSync(beside) && sha256(readInputFile(beside, "compile the folder again")) !== net.networkSha256)
    throw new InputError(
      `${path} was lowered from another network than ${beside} (SHA-256 differs): the folder holds files of two different runs (an interrupted or concurrent write)`,
      "compile the folder again",
    );
  const issues = target ? hwIssues(net, target) : hwStructureIssues(net);
  if (issues.length) {
    const lines = issues.slice(0, 12).map((i) => `  ${describeIssue(i)}`);
    throw new InputError(`${path} is not a valid HW IR${target ? ` for ${target.name}` : ""}:\n${lines.join("\n")}`, "recompile with spikec compile … --target ID");
  }
  return net;
}
