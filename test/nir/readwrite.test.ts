import { join } from "node:path";
import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { readHdf5Tree } from "../../src/nir/h5tree.js";
import { readNir, readNirFile } from "../../src/nir/read.js";
import { writeNir } from "../../src/nir/write.js";
import type { IF, LIF, NirGraph } from "../../src/nir/graph.js";
import { FIXTURES, NIR_FIXTURES, layout, tempDir } from "./helpers.js";

describe("NIR read/write round trip on the reference package's files", () => {
  const dir = tempDir();
  it.each(NIR_FIXTURES)("%s: read → write → read gives the same graph", async (name) => {
    const original = await readNir(join(FIXTURES, name));
    const out = join(dir, name);
    await writeNir(out, original);
    const again = await readNir(out);
    expect(again).toStrictEqual(original);
  });

  it.each(NIR_FIXTURES.filter((f) => !f.startsWith("handwritten")))(
    "%s: the written file has the reference's datasets, dtypes, shapes and storage",
    async (name) => {
      const ref = await readNirFile(join(FIXTURES, name));
      const out = join(dir, `layout-${name}`);
      await writeNir(out, ref.graph, { version: ref.version ?? undefined });
      expect(layout(await readHdf5Tree(out))).toEqual(layout(await readHdf5Tree(join(FIXTURES, name))));
    },
  );

  it("deterministic: the same graph written at two different times gives the same bytes (HDF5's object times held at 0)", async () => {
    const graph = await readNir(join(FIXTURES, NIR_FIXTURES[0]!));
    const files = [join(dir, "when-a.nir"), join(dir, "when-b.nir")];
    const clock = vi.spyOn(Date, "now");
    try {
      for (const [k, file] of files.entries()) {
        clock.mockReturnValue(1_700_000_000_000 + k * 86_400_000); // a day apart
        await writeNir(file, graph);
      }
    } finally {
      clock.mockRestore();
    }
    expect(readFileSync(files[0]!).equals(readFileSync(files[1]!))).toBe(true);
    expect(Date.now()).toBeGreaterThan(1_700_000_000_000); // the real clock is back
  });

  it("handwritten files (no v_reset, fixed-length strings) are written as the reference would: v_reset zeros, vlen UTF-8", async () => {
    const name = "handwritten_fixedlen_strings.nir";
    const g = await readNir(join(FIXTURES, name));
    const lif = g.nodes.get("lif") as LIF;
    expect(Array.from(lif.v_reset.data)).toEqual([0, 0]);
    expect(lif.v_reset.data).toBeInstanceOf(Float32Array);
    const out = join(dir, `hw-${name}`);
    await writeNir(out, g, { compress: false });
    const written = layout(await readHdf5Tree(out));
    const ref = layout(await readHdf5Tree(join(FIXTURES, name)));
    const extra = written.filter((w) => !ref.some((r) => r.path === w.path)).map((w) => w.path);
    expect(extra).toEqual(["/node/nodes/lif/v_reset"]);
    for (const r of ref) {
      const w = written.find((x) => x.path === r.path)!;
      expect(w.shape).toBe(r.shape);
      expect(w.dtype).toBe(r.dtype?.startsWith("fixed") ? "vlen-utf-8" : r.dtype);
    }
  });

  it("keeps dtypes, values, ±inf, metadata and nesting exactly", async () => {
    const ffw = await readNirFile(join(FIXTURES, "ffw_lif_cubalif.nir"));
    expect(ffw.version).toBe("1.0.8.dev9+g7232ada");
    expect(ffw.graph.metadata.description).toBe("ffw example");
    expect(ffw.graph.metadata.dt).toBe(0.001);
    expect(ffw.graph.metadata.some_array).toEqual({ data: BigInt64Array.of(0n, 1n, 2n), shape: [3] });
    expect((ffw.graph.nodes.get("lif1") as LIF).metadata).toEqual({ note: "per-node metadata" });
    expect(ffw.graph.edges).toEqual([["input", "fc1"], ["fc1", "lif1"], ["lif1", "fc2"], ["fc2", "cuba"], ["cuba", "output"]]);

    const neg = await readNir(join(FIXTURES, "ttfs_if_reset_neginf.nir"));
    expect(Array.from((neg.nodes.get("neuron") as IF).v_reset.data)).toEqual([-Infinity, -Infinity]);
    expect(neg.metadata.fire_once).toBe(1n);

    const nested = await readNir(join(FIXTURES, "nested_recurrent.nir"));
    const rnn = nested.nodes.get("rnn") as NirGraph;
    expect(rnn.type).toBe("NIRGraph");
    expect([...rnn.nodes.keys()]).toEqual(["input", "lif", "output", "w_in", "w_rec"]);
    expect(rnn.edges).toContainEqual(["w_rec", "lif"]);
  });
});
