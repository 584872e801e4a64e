/** hw.json + hw.bin: round trip (equal network, byte-identical re-save), schema rejections, missing file. */
import { describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadHwNetwork, saveHwNetwork } from "../../src/hw/serialize.js";
import { loadTarget } from "../../src/hw/target/load.js";
import { SpikecError } from "../../src/util/errors.js";
import { featureNetwork } from "./hw-builders.js";
import { scratchDir } from "../helpers/scratch.js";

const tmp = () => scratchDir("spikec-hw-");

describe("HW IR files", () => {
  it("round trip: same network (typed arrays with their dtypes), byte-identical re-save", () => {
    const net = featureNetwork();
    const a = tmp();
    saveHwNetwork(a, net);
    const back = loadHwNetwork(a, loadTarget("loihi2"));
    expect(back).toEqual(net);
    const conv = back.populations.find((p) => p.id === "conv")!;
    expect(conv.kind === "compartments" && conv.profileOf).toBeInstanceOf(Uint8Array);
    expect(back.synapses[0]!.weightExp).toBeInstanceOf(Int8Array);
    const b = tmp();
    saveHwNetwork(b, back);
    expect(readFileSync(join(b, "hw.json"), "utf8")).toBe(readFileSync(join(a, "hw.json"), "utf8"));
    expect(Buffer.compare(readFileSync(join(b, "hw.bin")), readFileSync(join(a, "hw.bin")))).toBe(0);
    // also by file path
    expect(loadHwNetwork(join(a, "hw.json"))).toEqual(net);
  });

  it("a missing hw.json names the file and how to make it", () => {
    let error: unknown;
    try {
      loadHwNetwork(tmp());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SpikecError);
    expect((error as SpikecError).describe()).toMatch(/hw\.json does not exist\n  try: .*spikec compile .*--target loihi2/);
  });

  it("schema violations name the JSON path", () => {
    const d = tmp();
    saveHwNetwork(d, featureNetwork());
    const path = join(d, "hw.json");
    const doc = JSON.parse(readFileSync(path, "utf8"));
    doc.populations[2].profiles[0].decayU = -1;
    writeFileSync(path, JSON.stringify(doc));
    expect(() => loadHwNetwork(d)).toThrow(/does not follow its schema[\s\S]*\/populations\/2/);
  });

  it("structural and range issues are checked on load", () => {
    const d = tmp();
    const net = featureNetwork();
    net.synapses[1]!.target = "nowhere";
    saveHwNetwork(d, net);
    expect(() => loadHwNetwork(d)).toThrow(/synapse group 'd1': target = 'nowhere' must name a population/);
    const e = tmp();
    saveHwNetwork(e, featureNetwork());
    expect(() => loadHwNetwork(e, loadTarget("loihi1"))).toThrow(/population 'b1': neuron = two-phase-b1 is not a neuron Intel Loihi \(N2\) can run/);
  });
});
