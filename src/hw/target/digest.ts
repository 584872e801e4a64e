/**
 * A target's fingerprint: SHA-256 of the numbers and names the compiler uses (every field but where the file lives and
 * where its numbers came from), as canonical JSON. hw.json records it so that a compiled folder is only ever simulated,
 * placed or emitted with the chip description it was lowered for — a custom file that kept a bundled id, or was edited
 * since, is caught instead of silently trusted.
 */
import { sha256 } from "../../util/sha256.js";
import type { Target } from "./target.js";

/** JSON with object keys sorted at every level (the digest must not depend on the order fields were set in). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value);
}

export function targetDigest(target: Target): string {
  const { file: _file, sources: _sources, provenance: _provenance, ...used } = target;
  return sha256(canonical(used));
}
