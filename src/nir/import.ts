/**
 * NIR graph (spikec TTFS profile, see export.ts) → SNN IR. The network-level parameters come from the graph
 * metadata `spikec`, each population's from `spikec_population` on its spike-output node, and dense/conv weights
 * from the Linear/Affine/Conv2d nodes (float64). Everything is copied, never recomputed, so export → write → read
 * → import restores the network bit for bit. Graphs that do not follow the profile, or whose nodes and edges differ
 * from what the metadata's network exports to, are refused with an InputError.
 */
import type { Origin } from "../ann/graph.js";
import type { Population, Projection, SnnNetwork, TimeWindow } from "../snn/network.js";
import { InputError } from "../util/errors.js";
import type { NirGraph } from "./graph.js";
import { type NirMetadata, type NirMetadataValue, isMetadataDict } from "./metadata.js";
import { type NirTensor, toFloat64 } from "./tensor.js";
import { TTFS_PROFILE, TTFS_PROFILE_VERSION, metadataDigest, weightDigest } from "./ttfs-profile.js";
import { exportNir } from "./export.js";
import { graphDifference } from "./graph-diff.js";
import { fromBlockDiagonal } from "./grouped-conv.js";

const HINT = "import only files written by `spikec export nir` (other NIR files: `spikec nir check` them)";

class Meta {
  constructor(
    readonly m: NirMetadata,
    readonly where: string,
  ) {}
  private get(key: string): NirMetadataValue {
    const v = this.m[key];
    if (v === undefined) throw new InputError(`NIR import: ${this.where} has no metadata '${key}'`, HINT);
    return v;
  }
  has(key: string): boolean {
    return this.m[key] !== undefined;
  }
  str(key: string): string {
    const v = this.get(key);
    if (typeof v !== "string") throw new InputError(`NIR import: ${this.where} metadata '${key}' must be a string`, HINT);
    return v;
  }
  num(key: string): number {
    const v = this.get(key);
    if (typeof v === "number") return v;
    if (typeof v === "bigint") return Number(v);
    throw new InputError(`NIR import: ${this.where} metadata '${key}' must be a number`, HINT);
  }
  strings(key: string): string[] {
    if (!this.has(key)) return [];
    const v = this.get(key);
    if (typeof v === "string") return [v];
    if (!Array.isArray(v)) throw new InputError(`NIR import: ${this.where} metadata '${key}' must be a list of strings`, HINT);
    return v;
  }
  tensor(key: string): NirTensor {
    const v = this.get(key);
    if (typeof v !== "object" || Array.isArray(v) || isMetadataDict(v)) throw new InputError(`NIR import: ${this.where} metadata '${key}' must be an array`, HINT);
    return v;
  }
  f64(key: string): Float64Array {
    return Float64Array.from(toFloat64(this.tensor(key)));
  }
  ints(key: string): number[] {
    return Array.from(toFloat64(this.tensor(key)));
  }
  window(key: string): TimeWindow {
    const [tMin, tMax] = this.f64(key);
    return { tMin: tMin!, tMax: tMax! };
  }
  dict(key: string): Meta {
    const v = this.get(key);
    if (typeof v !== "object" || Array.isArray(v) || !isMetadataDict(v)) throw new InputError(`NIR import: ${this.where} metadata '${key}' must be a group`, HINT);
    return new Meta(v, `${this.where}/${key}`);
  }
}

const pair = (v: number[]): [number, number] => [v[0]!, v[1]!];
const quad = (v: number[]): [number, number, number, number] => [v[0]!, v[1]!, v[2]!, v[3]!];

function origin(m: Meta): Origin[] {
  const names = m.strings("origin_names");
  const ops = m.strings("origin_ops");
  return names.map((name, i) => ({ name, op: ops[i]! }));
}

function weightOf(graph: NirGraph, nodeName: string, where: string): Float64Array {
  const node = graph.nodes.get(nodeName);
  if (!node || (node.type !== "Linear" && node.type !== "Affine" && node.type !== "Conv2d")) {
    throw new InputError(`NIR import: ${where} names weight node '${nodeName}', which is not a Linear/Affine/Conv2d node of the graph`, HINT);
  }
  return Float64Array.from(toFloat64(node.weight));
}

/**
 * Version 3 files carry the digest of their spikec metadata: the graph is checked against the metadata by exporting
 * it again, but what only the metadata holds (the input range, a readout ReLU) is checked by this digest.
 */
function checkMetadataDigest(graph: NirGraph, top: NirMetadata, net: Meta, nodeNames: string[]): void {
  const populationMetas = nodeNames.map((name) => {
    const m = graph.nodes.get(name)?.metadata.spikec_population;
    return m !== undefined && typeof m === "object" && !Array.isArray(m) && isMetadataDict(m) ? m : {};
  });
  if (metadataDigest(top, populationMetas) !== net.str("metadata_sha256"))
    throw new InputError(
      "NIR import: the spikec metadata differs from what spikec exported (graph metadata 'spikec' records its SHA-256): the metadata was edited after export",
      "import the file as `spikec export nir` wrote it",
    );
}

/** Version 2 files carry each weight node's digest: a weight edited after export is named here. */
function checkDigest(p: Meta, weight: Float64Array, version: number): void {
  if (version < 2) return;
  if (weightDigest(weight) !== p.str("weight_sha256")) {
    throw new InputError(
      `NIR import: node '${p.str("weight_node")}' field 'weight' differs from the weights spikec exported (${p.where} records their SHA-256): the graph was edited after export`,
      "import the file as `spikec export nir` wrote it",
    );
  }
}

function projections(graph: NirGraph, m: Meta, version: number): Projection[] {
  const out: Projection[] = [];
  for (let k = 0; m.has(`p${k}`); k++) {
    const p = m.dict(`p${k}`);
    const kind = p.str("kind");
    const common = { source: p.str("source"), delay: p.num("delay") };
    const geometry = () => ({ kernel: pair(p.ints("kernel")), stride: pair(p.ints("stride")), pads: quad(p.ints("pads")), dilation: pair(p.ints("dilation")) });
    switch (kind) {
      case "dense": {
        const weight = weightOf(graph, p.str("weight_node"), p.where);
        checkDigest(p, weight, version);
        out.push({ kind, ...common, weight });
        break;
      }
      case "conv": {
        const group = p.num("group");
        if (version < 2 && group > 1) {
          throw new InputError(
            `NIR import: ${p.where}: a grouped conv written by an earlier spikec (NIR profile version ${version}: grouped weights, which the reference nir package cannot type-check)`,
            "export the network again with this spikec (spikec export nir DIR), which writes grouped convs block-diagonal",
          );
        }
        const node = graph.nodes.get(p.str("weight_node"));
        const full = weightOf(graph, p.str("weight_node"), p.where);
        // Written ungrouped (block-diagonal: see grouped-conv.ts); the graph check below catches other shapes.
        const shape = node?.type === "Conv2d" ? node.weight.shape : [];
        const kernel = pair(p.ints("kernel"));
        const weight = shape.length === 4 && group > 1 ? fromBlockDiagonal(full, shape[0]!, shape[1]!, group, kernel) : full;
        if (!weight) throw new InputError(`NIR import: node '${p.str("weight_node")}' field 'weight' has weights outside its ${group} groups (${p.where})`, HINT);
        checkDigest(p, weight, version);
        out.push({ kind, ...common, ...geometry(), group, weight });
        break;
      }
      case "avgpool":
        out.push({ kind, ...common, ...geometry(), countIncludePad: p.num("count_include_pad") === 1, ceilMode: p.num("ceil_mode") === 1, weight: p.f64("weight") });
        break;
      case "identity":
        out.push({ kind, ...common, weight: p.f64("weight") });
        break;
      default:
        throw new InputError(`NIR import: ${p.where} has unknown projection kind '${kind}'`, HINT);
    }
  }
  return out;
}

/**
 * The network a spikec NIR file describes. Its metadata carries the parameters; the graph must be exactly what
 * exporting that network writes (re-exported and compared), so an edited graph — a changed threshold, a removed
 * edge, a retyped node — is refused instead of imported as the network it no longer computes.
 */
export function importNir(graph: NirGraph): SnnNetwork {
  const net = networkFromMetadata(graph);
  let expected: NirGraph;
  try {
    expected = exportNir(net);
  } catch (e) {
    throw new InputError(`NIR import: the network the file's spikec metadata describes cannot be exported again (${(e as Error).message})`, HINT);
  }
  const d = graphDifference(expected, graph);
  if (d) {
    throw new InputError(
      `NIR import: node '${d.node}'${d.field ? ` field '${d.field}'` : ""} ${d.detail}: the graph does not compute the network its spikec metadata describes (edited after export?)`,
      "import the file as `spikec export nir` wrote it; spikec's importer reads its own TTFS profile, not arbitrary NIR graphs",
    );
  }
  return net;
}

function networkFromMetadata(graph: NirGraph): SnnNetwork {
  const top = graph.metadata.spikec;
  if (!top || typeof top !== "object" || Array.isArray(top) || !isMetadataDict(top)) {
    throw new InputError("NIR import: the graph has no 'spikec' metadata, so it was not written by spikec's TTFS export", HINT);
  }
  const net = new Meta(top, "graph metadata 'spikec'");
  if (net.str("profile") !== TTFS_PROFILE) throw new InputError(`NIR import: unknown profile '${net.str("profile")}'`, HINT);
  const version = net.num("profile_version");
  if (!(version >= 1 && version <= Number(TTFS_PROFILE_VERSION) && Number.isInteger(version))) {
    throw new InputError(`NIR import: profile version ${version}; this spikec reads versions 1 to ${TTFS_PROFILE_VERSION}`, "import the file with the spikec that wrote it, or export it again");
  }
  const model = net.str("model");
  if (model !== "alpha" && model !== "b1") throw new InputError(`NIR import: unknown neuron model '${model}'`, HINT);
  const ids = net.strings("populations");
  const nodeNames = net.strings("population_nodes");
  if (version >= 3) checkMetadataDigest(graph, top, net, nodeNames);
  const populations: Population[] = ids.map((id, i) => {
    const node = graph.nodes.get(nodeNames[i]!);
    const raw = node?.metadata.spikec_population;
    if (!node || !raw || typeof raw !== "object" || Array.isArray(raw) || !isMetadataDict(raw)) {
      throw new InputError(`NIR import: population '${id}' should be described by node '${nodeNames[i]}', which has no 'spikec_population' metadata`, HINT);
    }
    const m = new Meta(raw, `node '${nodeNames[i]}'`);
    const base = { id: m.str("id"), shape: m.ints("shape"), origin: origin(m), window: m.window("window") };
    switch (m.str("kind")) {
      case "input": {
        const [low, high] = m.f64("range");
        return { kind: "input", ...base, range: { low: low!, high: high! } };
      }
      case "spiking":
        return {
          kind: "spiking",
          ...base,
          inputWindow: m.window("input_window"),
          alpha: m.num("alpha"),
          threshold: m.f64("threshold"),
          maxActivation: m.num("max_activation"),
          scale: m.f64("scale"),
          projections: projections(graph, m.dict("projections"), version),
        };
      case "gate": {
        const q = m.dict("projection");
        return {
          kind: "gate",
          ...base,
          channelSign: Int8Array.from(m.ints("channel_sign")),
          scale: m.f64("scale"),
          projection: { kind: "pool", source: q.str("source"), delay: q.num("delay"), ceilMode: q.num("ceil_mode") === 1, kernel: pair(q.ints("kernel")), stride: pair(q.ints("stride")), pads: quad(q.ints("pads")), dilation: pair(q.ints("dilation")) },
        };
      }
      case "readout":
        return {
          kind: "readout",
          ...base,
          inputWindow: m.window("input_window"),
          alpha: m.f64("alpha"),
          relu: m.num("relu") === 1,
          projections: projections(graph, m.dict("projections"), version),
        };
      default:
        throw new InputError(`NIR import: node '${nodeNames[i]}' has unknown population kind '${m.str("kind")}'`, HINT);
    }
  });
  const from = net.dict("compiled_from");
  return {
    format: "spikec.snn",
    version: 1,
    model,
    compiledFrom: { model: from.str("model"), margin: from.num("margin"), calibrationSamples: from.num("calibration_samples") },
    populations,
    notes: net.strings("notes"),
  };
}
