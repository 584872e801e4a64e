/**
 * Every schema in schemas/ is named by one $id scheme (https://spikec.invalid/schemas/FILE, a reserved host: nothing
 * resolves it, validators load the files), and every reference to another schema names a file that is there (an
 * audit found two hosts mixed, the cross-file references resolving only when every schema was loaded together).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const DIR = "schemas";
const BASE = "https://spikec.invalid/schemas/";

describe("schema ids and cross-file references", () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith(".schema.json")).sort();
  it.each(files)("%s", (file) => {
    const text = readFileSync(join(DIR, file), "utf8");
    expect(JSON.parse(text).$id).toBe(BASE + file);
    for (const [, ref] of text.matchAll(/"\$ref":\s*"([^"#][^"]*)"/g)) {
      expect(ref!.startsWith(BASE), ref).toBe(true);
      expect(files).toContain(ref!.slice(BASE.length).split("#")[0]);
    }
  });
});
