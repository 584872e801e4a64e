/**
 * The JSON raster is written piece by piece (a lenet5 raster of ~2,300 samples passed the longest string JavaScript
 * can hold and crashed `simulate` after writing the logits): the text equals JSON.stringify of the whole.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { addSpikes, emptyRaster, writeRaster } from "../../src/sim/raster.js";
import { scratchDir } from "../helpers/scratch.js";

it("pieces of 65,536 numbers give the same text as one JSON.stringify (several pieces, odd ids, empty populations)", () => {
  const r = emptyRaster("exact", [
    { id: 'conv "1"\\x', shape: [3, 4] },
    { id: "empty", shape: [2] },
    { id: "fc", shape: [150_000] },
  ]);
  for (let s = 0; s < 2; s++) {
    addSpikes(r, 0, s, [0, 5, 11], [0.25, 1e-7, 3.5]);
    const n = 150_000;
    addSpikes(r, 2, s, Int32Array.from({ length: n }, (_, i) => i), Float64Array.from({ length: n }, (_, i) => 1 + i / 7));
  }
  r.samples = 2;
  const file = join(scratchDir("spikec-raster-"), "r.json");
  writeRaster(file, r);
  const text = readFileSync(file, "utf8");
  expect(text).toBe(JSON.stringify({ format: "spikec.raster", version: 1, ...r }) + "\n");
  expect((JSON.parse(text) as { populations: { time: number[] }[] }).populations[2]!.time.length).toBe(300_000);
});
