import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { TreeGroup } from "../../src/nir/h5tree.js";
import { scratchDir } from "../helpers/scratch.js";

export const FIXTURES = join(import.meta.dirname, "..", "fixtures", "nir");
/** The NIR graph files among the fixtures (nirdata_events.h5 is NIRData, not a graph). */
export const NIR_FIXTURES = readdirSync(FIXTURES).filter((f) => f.endsWith(".nir")).sort();
export const tempDir = (): string => scratchDir("spikec-nir-");

export interface LayoutEntry {
  path: string;
  kind: "group" | "dataset";
  dtype?: string;
  shape?: string;
  storage?: string;
  attributes: number;
}

/** Every group and dataset with its dtype, shape and storage: what "the reference's layout" means in tests. */
export function layout(tree: TreeGroup, prefix = ""): LayoutEntry[] {
  const out: LayoutEntry[] = [];
  for (const [name, child] of tree.children) {
    const path = `${prefix}/${name}`;
    if (child.kind === "group") {
      out.push({ path, kind: "group", attributes: child.attributes.length });
      out.push(...layout(child, path));
    } else {
      const d = child.dtype;
      const dtype = d.class === "string" ? `${d.vlen ? "vlen" : "fixed"}-${d.cset}` : `${d.class}${d.size * 8}`;
      out.push({
        path,
        kind: "dataset",
        dtype,
        shape: `[${child.shape.join(",")}]`,
        storage: child.compressed ? "gzip" : child.shape.length === 0 ? "scalar" : "contiguous",
        attributes: child.attributes.length,
      });
    }
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}
