/**
 * Files spikec did not just write — edited, damaged or hostile — are refused with a message (exit 2), never read
 * into a wrong result or a stack trace (found by a black-box audit of compiled folders, .npy, target and NIR files).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import h5wasm from "h5wasm/node";
import { beforeAll, describe, expect, it } from "vitest";
import { compile } from "../../src/compile.js";
import { saveHwNetwork } from "../../src/hw/serialize.js";
import { hwIssues } from "../../src/hw/verify.js";
import { loadTarget } from "../../src/hw/target/load.js";
import { encodeNpy, readNpy } from "../../src/io/npy.js";
import { h5Ready } from "../../src/nir/h5tree.js";
import { readNir } from "../../src/nir/read.js";
import { loadReportData } from "../../src/report/files.js";
import { loadNetwork, saveNetwork } from "../../src/snn/serialize.js";
import { verifyNetwork } from "../../src/snn/verify.js";
import { InputError } from "../../src/util/errors.js";
import { runCli } from "../helpers/cli.js";
import { inputErrorOf } from "../helpers/input-error.js";
import { scratchDir } from "../helpers/scratch.js";

const MLP = "test/fixtures/mlp_digits.onnx";
const CALIB = "test/fixtures/digits_calib_x.npy";
const dir = scratchDir("spikec-damaged-");
let compiled: ReturnType<typeof compile>;

beforeAll(() => {
  compiled = compile(MLP, CALIB, { target: "loihi2", ticks: 8, hardwareSamples: 20 });
});

/** A copy of the compiled network with one edit (a fresh object: the compiled one stays intact). */
const edited = (edit: (net: ReturnType<typeof structuredClone<typeof compiled.net>>) => void) => {
  const net = structuredClone(compiled.net);
  edit(net);
  return net;
};

describe("network.json and hw.json", () => {
  it("a JSON file that is just null: an InputError, not a TypeError", () => {
    const d = join(dir, "null");
    saveNetwork(d, compiled.net);
    writeFileSync(join(d, "network.json"), "null\n");
    expect(inputErrorOf(() => loadNetwork(d)).message).toMatch(/network\.json names no sidecar file/);
  });

  it("non-finite scalars and zero dilations are refused by the IR's checks (1e400 in JSON reads as Infinity)", () => {
    expect(() => verifyNetwork(edited((n) => ((n.populations[1] as { alpha: number }).alpha = Infinity)))).toThrow(/population '.*': alpha is Infinity/);
    expect(() => verifyNetwork(edited((n) => ((n.populations[0] as { range: { high: number } }).range.high = Infinity)))).toThrow(/input range high is Infinity/);
    expect(() => verifyNetwork(edited((n) => (n.populations[1]!.window.tMax = Infinity)))).toThrow(/is Infinity|reversed/);
    const lenet = compile("test/fixtures/lenet5_fmnist.onnx", "test/fixtures/fmnist_calib_x.npy");
    const gate = lenet.net.populations.find((p) => p.kind === "gate")!;
    const zero = structuredClone(lenet.net);
    (zero.populations.find((p) => p.id === gate.id) as typeof gate & { kind: "gate" }).projection.dilation = [0, 0];
    expect(() => verifyNetwork(zero)).toThrow(/pool over .*dilation \[0,0\].*must be whole numbers ≥ 1/);
  }, 120_000);

  it("network.json with a field its population or projection kind does not have (misspelled or misplaced) is refused by the schema, naming the path (audit: read and ignored)", () => {
    const edits: [string, (doc: { populations: Record<string, unknown>[] }) => void, RegExp][] = [
      ["relu on a spiking population", (d) => (d.populations[1]!.relu = true), /\/populations\/1: must NOT have unevaluated properties/],
      ["threshold on the input", (d) => (d.populations[0]!.threshold = 3), /\/populations\/0: must NOT have unevaluated properties/],
      ["a conv kernel on a dense projection", (d) => ((d.populations[1]!.projections as Record<string, unknown>[])[0]!.kernel = [3, 3]), /\/populations\/1\/projections\/0: must NOT have unevaluated properties/],
      ["a key in the input range", (d) => ((d.populations[0]!.range as Record<string, unknown>).mid = 0.5), /\/populations\/0\/range: must NOT have additional properties/],
      ["a negative margin", (d) => ((d as unknown as { compiledFrom: { margin: number } }).compiledFrom.margin = -5), /\/compiledFrom\/margin: must be >= 0/],
    ];
    for (const [what, edit, message] of edits) {
      const d = join(dir, `schema-${what.replace(/\W+/g, "-")}`);
      saveNetwork(d, compiled.net);
      const doc = JSON.parse(readFileSync(join(d, "network.json"), "utf8"));
      edit(doc);
      writeFileSync(join(d, "network.json"), JSON.stringify(doc));
      expect(inputErrorOf(() => loadNetwork(d)).message, what).toMatch(message);
    }
  });

  it("hw.json: a NaN readout offset or an infinite input encoding are issues, so simulate and fit refuse them", () => {
    const hw = structuredClone(compiled.hw!.net);
    hw.readouts[0]!.offset![3] = Number.NaN;
    const input = hw.populations.find((p) => p.kind === "source" && p.role === "input") as { encoding: { high: number } };
    input.encoding.high = Infinity;
    const issues = hwIssues(hw, compiled.hw!.target).map((i) => `${i.where} ${i.field}`);
    expect(issues).toContain(`readout 0 ('${hw.readouts[0]!.population}') offset[3]`);
    expect(issues.some((i) => i.endsWith(" encoding"))).toBe(true);
  });

  it("spikec fit DIR refuses a hw.json with a register the chip cannot hold (simulate already did): exit 2", async () => {
    const d = join(dir, "fit");
    const r0 = await runCli(["compile", MLP, "--calib", CALIB, "--target", "loihi2", "--ticks", "8", "--no-html", "-o", d]);
    expect(r0.code).toBe(0);
    const hwJson = JSON.parse(readFileSync(join(d, "hw.json"), "utf8")) as { populations: { profiles?: { vthMant: number }[] }[] };
    hwJson.populations.find((p) => p.profiles)!.profiles![0]!.vthMant = 0;
    writeFileSync(join(d, "hw.json"), JSON.stringify(hwJson));
    const r = await runCli(["fit", d]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the HW IR does not fit Intel Loihi 2 \(N3\).*vthMant/s);
    expect(r.stdout).not.toMatch(/verdict: fits/);
  }, 120_000);
});

describe(".npy, target and report files", () => {
  it("a .npy header with a negative dimension: malformed header, not a RangeError", () => {
    const f = join(dir, "neg.npy");
    const header = "{'descr': '<f8', 'fortran_order': False, 'shape': (-20, 64), }";
    const padded = header + " ".repeat(118 - header.length) + "\n";
    writeFileSync(f, Buffer.concat([Buffer.from([0x93]), Buffer.from("NUMPY"), Buffer.from([1, 0, padded.length, 0]), Buffer.from(padded)]));
    expect(inputErrorOf(() => readNpy(f)).message).toMatch(/neg\.npy: malformed \.npy header: shape \(-20, 64\) is not a tuple of whole numbers ≥ 0/);
  });

  it("a .npy with bytes after its array (numpy.save twice into one file): refused, not read as the first array", () => {
    const f = join(dir, "two.npy");
    const one = encodeNpy([2, 3], Float64Array.of(1, 2, 3, 4, 5, 6));
    writeFileSync(f, Buffer.concat([one, encodeNpy([1], Float64Array.of(7))]));
    const e = inputErrorOf(() => readNpy(f));
    expect(e.message).toBe(`${f}: ${encodeNpy([1], Float64Array.of(7)).length} bytes after the array its header describes (shape [2, 3], 48 bytes of data)`);
    expect(e.hint).toMatch(/one array per file/);
    writeFileSync(f, one);
    expect(Array.from(readNpy(f).data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("a .npy header read as NumPy reads it or refused: a repeated or unknown key, a shape in another notation, an unknown version (audit: first key won, NumPy's last)", () => {
    const write = (name: string, header: string, major = 1) => {
      const f = join(dir, name);
      const padded = header + " ".repeat(118 - header.length) + "\n";
      writeFileSync(f, Buffer.concat([Buffer.from([0x93]), Buffer.from("NUMPY"), Buffer.from([major, 0, padded.length, 0]), Buffer.from(padded), Buffer.alloc(6 * 8)]));
      return f;
    };
    const ok = write("ok.npy", "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f8', }");
    expect(readNpy(ok).shape).toEqual([2, 3]);
    expect(readNpy(write("ok1.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (6,)}")).shape).toEqual([6]);
    const cases: [string, string, string][] = [
      ["dup.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 'fortran_order': True, }", "key 'fortran_order' given twice"],
      ["extra.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 'evil': 'x', }", "unknown key 'evil'"],
      ["missing.npy", "{'descr': '<f8', 'shape': (2, 3), }", "descr, fortran_order and shape are needed"],
    ];
    for (const [name, header, why] of cases) expect(inputErrorOf(() => readNpy(write(name, header))).message).toContain(`${name}: malformed .npy header (${why})`);
    expect(inputErrorOf(() => readNpy(write("exp.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2e0, 3), }"))).message).toContain("shape (2e0, 3) is not a tuple of whole numbers ≥ 0");
    expect(inputErrorOf(() => readNpy(write("v9.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 9))).message).toContain("v9.npy: .npy format version 9.0 is not one NumPy writes (1.0, 2.0, 3.0)");
  });

  it("inputs that are not regular files are refused by what they are, never read (audit: a named pipe hung, /dev/zero grew to 4.9 GB)", async () => {
    const fifo = join(dir, "pipe.npy");
    execFileSync("mkfifo", [fifo]);
    expect(inputErrorOf(() => readNpy(fifo)).message).toBe(`${fifo} is a named pipe (FIFO), not a .npy file`);
    const net = join(dir, "zero-net");
    saveNetwork(net, compiled.net);
    rmSync(join(net, "network.bin"));
    symlinkSync("/dev/zero", join(net, "network.bin"));
    expect(inputErrorOf(() => loadNetwork(net)).message).toBe(`cannot read the sidecar ${join(net, "network.bin")} of ${join(net, "network.json")}: it is a device, not a file`);
    const hw = join(dir, "hw-net");
    // As compile writes it: naming the network.json beside it by its digest.
    saveHwNetwork(hw, { ...compiled.hw!.net, networkSha256: "0".repeat(64) });
    mkdirSync(join(hw, "network.json"));
    const r = await runCli(["simulate", hw, "--engine", "cycle", "--input", CALIB, "-o", join(dir, "never.npy")]);
    expect([r.code, r.stderr.split("\n")[0]]).toEqual([2, `spikec: cannot read ${join(hw, "network.json")}: it is a folder, not a file`]);
    const target = join(dir, "target.xml");
    execFileSync("mkfifo", [target]);
    expect(inputErrorOf(() => loadTarget(target)).message).toBe(`target file ${target} is a named pipe (FIFO), not a target XML file`);
  });

  it("spikec report on edited report files: version and layout refused, naming the files", () => {
    const d = join(dir, "report");
    saveNetwork(d, compiled.net);
    const r0 = { ...compiled.report };
    writeFileSync(join(d, "report-data.json"), JSON.stringify({ format: "spikec.report-data", version: 1, network: { populations: null } }));
    // report.json follows schemas/report.schema.json (an audit's −5 neurons were drawn).
    writeFileSync(join(d, "report.json"), JSON.stringify({ ...r0, layers: null }));
    expect(inputErrorOf(() => loadReportData(d)).message).toMatch(/report\.json does not follow its schema:\n  at \/layers: must be array/);
    writeFileSync(join(d, "report.json"), JSON.stringify({ ...r0, layers: r0.layers.map((l, i) => (i === 0 ? { ...l, neurons: -5 } : l)) }));
    expect(inputErrorOf(() => loadReportData(d)).message).toMatch(/at \/layers\/0\/neurons: must be >= 1/);
    writeFileSync(join(d, "report.json"), JSON.stringify({ ...r0, junk: 1 }));
    expect(inputErrorOf(() => loadReportData(d)).message).toMatch(/at \/: must NOT have additional properties/);
    // report-data.json too (schemas/report-data.schema.json): a wrong kind, a nested logit array, an unknown section.
    writeFileSync(join(d, "report.json"), JSON.stringify(r0));
    expect(inputErrorOf(() => loadReportData(d)).message).toMatch(/report-data\.json does not follow its schema:\n(  at .*\n)*  at \/network\/populations: must be array/);
    const network = { populations: [], edges: [] };
    writeFileSync(join(d, "report-data.json"), JSON.stringify({ format: "spikec.report-data", version: 1, network, logits: { source: "x", samples: 1, classes: 1, ann: [[1]], snn: [1], agreement: 1, maxAbsDelta: 0, maxAbsReference: 1 } }));
    expect(inputErrorOf(() => loadReportData(d)).message).toMatch(/at \/logits\/ann\/0: must be number/);
    writeFileSync(join(d, "report-data.json"), JSON.stringify({ format: "spikec.report-data", version: 1, network, junk: {} }));
    expect(inputErrorOf(() => loadReportData(d)).message).toMatch(/report-data\.json does not follow its schema:\n  at \/: must NOT have additional properties/);
    writeFileSync(join(d, "report.json"), JSON.stringify({ ...r0, version: 2 }));
    expect(inputErrorOf(() => loadReportData(d)).message).toMatch(/report\.json has version 2; this spikec reads version 1/);
  });
});

describe("hostile NIR files", () => {
  it("an external link (to the file itself, or to another) and a soft link to nothing are refused without following them (audit: a hang, exit 0)", async () => {
    await h5Ready();
    const f = join(dir, "links.nir");
    const make = (add: (nodes: InstanceType<typeof h5wasm.Group>) => void) => {
      const file = new h5wasm.File(f, "w");
      const nodes = file.create_group("node").create_group("nodes");
      add(nodes);
      file.close();
    };
    const refusal = async () => {
      const e = await readNir(f).then(() => null, (x: unknown) => x);
      expect(e).toBeInstanceOf(InputError);
      return (e as InputError).message;
    };
    make((nodes) => nodes.create_external_link(f, "/node", "ext"));
    expect(await refusal()).toBe(`${f}: not a NIR file: /node/nodes/ext is an external link to /node in ${f}; a NIR file holds its whole graph itself`);
    make((nodes) => nodes.create_soft_link("/nowhere", "dangling"));
    expect(await refusal()).toBe(`${f}: not a NIR file: /node/nodes/dangling is a soft link to /nowhere, which does not exist`);
  });


  it("a hard link back to a parent group (an endless tree) is refused, not walked forever", async () => {
    await h5Ready();
    const f = join(dir, "loop.nir");
    const file = new h5wasm.File(f, "w");
    const node = file.create_group("node");
    node.create_group("nodes").create_group("a");
    node.create_hard_link("/node", "nodes/a/back");
    file.close();
    const e = await readNir(f).then(
      () => null,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).message).toMatch(/loop\.nir: not a NIR file: groups nest deeper than 64 levels at \/node\/nodes\/a\/back\/nodes\/a\/back/);
  });
});
