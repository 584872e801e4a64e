/**
 * Spike rasters for inspection (`spikec simulate --raster FILE`): every spike of every population for every sample.
 *
 * Layout, by the file's extension:
 * - .npy: float64 [spikes, 4], one row per spike: (sample, population index, neuron, time), rows ordered by sample,
 *   population, time, neuron. `neuron` is the flat C-order index into the population's shape; `time` is the tick
 *   (cycle engine) or the continuous spike time in input windows (exact engine). Population indices refer to the
 *   list printed by the command (and to the order of the network file's populations that spike).
 * - .json: {"format": "spikec.raster", "version": 1, "engine", "unit": "tick" | "window", "samples",
 *   "populations": [{"id", "shape", "sample": [...], "neuron": [...], "time": [...]}]} with the same rows per population.
 */
import { writeChunksAtomic, writeFileAtomic } from "../io/atomic.js";
import { encodeNpy } from "../io/npy.js";
import { InputError } from "../util/errors.js";

export interface RasterPopulation {
  id: string;
  shape: number[];
  sample: number[];
  neuron: number[];
  time: number[];
}

export interface Raster {
  engine: "cycle" | "exact";
  unit: "tick" | "window";
  samples: number;
  populations: RasterPopulation[];
}

/** An empty raster with one entry per population (in the order given). */
export function emptyRaster(engine: Raster["engine"], populations: { id: string; shape: number[] }[]): Raster {
  return {
    engine,
    unit: engine === "cycle" ? "tick" : "window",
    samples: 0,
    populations: populations.map((p) => ({ id: p.id, shape: [...p.shape], sample: [], neuron: [], time: [] })),
  };
}

/** Appends one sample's spikes of population `index` (any order; sorted by time, then neuron). */
export function addSpikes(r: Raster, index: number, sample: number, neuron: ArrayLike<number>, time: ArrayLike<number>): void {
  const p = r.populations[index]!;
  const order = Array.from({ length: neuron.length }, (_, k) => k).sort((a, b) => time[a]! - time[b]! || neuron[a]! - neuron[b]!);
  for (const k of order) {
    p.sample.push(sample);
    p.neuron.push(neuron[k]!);
    p.time.push(time[k]!);
  }
}

/** Refuses a raster path of no known format (by its extension); called before simulating, so nothing is written. */
export function checkRasterPath(path: string): void {
  if (!path.endsWith(".npy") && !path.endsWith(".json")) throw new InputError(`--raster ${path}: unknown format`, "name the file .npy (a [spikes, 4] table) or .json");
}

export function writeRaster(path: string, r: Raster): void {
  if (path.endsWith(".json")) {
    writeChunksAtomic(path, jsonChunks(r));
    return;
  }
  checkRasterPath(path);
  // Rows ordered by sample, then population, then time.
  const rows: [number, number, number, number][] = [];
  r.populations.forEach((p, pi) => {
    for (let k = 0; k < p.sample.length; k++) rows.push([p.sample[k]!, pi, p.neuron[k]!, p.time[k]!]);
  });
  rows.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[3] - b[3] || a[2] - b[2]);
  writeFileAtomic(path, encodeNpy([rows.length, 4], rows.flat()));
}

/** Numbers per piece of a JSON array: pieces stay far below the longest string JavaScript can hold. */
const PIECE = 1 << 16;

function* numbers(a: number[]): Generator<string> {
  yield "[";
  for (let k = 0; k < a.length; k += PIECE) yield (k > 0 ? "," : "") + a.slice(k, k + PIECE).join(",");
  yield "]";
}

/** The JSON raster, piece by piece: the same text as JSON.stringify of the whole (numbers print as in JSON). */
function* jsonChunks(r: Raster): Generator<string> {
  const head = { format: "spikec.raster", version: 1, engine: r.engine, unit: r.unit, samples: r.samples };
  yield JSON.stringify(head).slice(0, -1) + ',"populations":[';
  for (let i = 0; i < r.populations.length; i++) {
    const p = r.populations[i]!;
    yield `${i > 0 ? "," : ""}{"id":${JSON.stringify(p.id)},"shape":${JSON.stringify(p.shape)},"sample":`;
    yield* numbers(p.sample);
    yield ',"neuron":';
    yield* numbers(p.neuron);
    yield ',"time":';
    yield* numbers(p.time);
    yield "}";
  }
  yield "]}\n";
}
