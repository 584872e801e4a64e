import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bundledTargetIds, listTargets, loadTarget, packageRoot, parseTarget } from "../../src/hw/target/load.js";
import { InputError } from "../../src/util/errors.js";

const xmlOf = (id: string) => readFileSync(join(packageRoot(), "targets", `${id}.xml`), "utf8");

/** The InputError message a broken copy of loihi1.xml produces. */
function errorOf(edit: (xml: string) => string): string {
  const broken = edit(xmlOf("loihi1"));
  expect(broken).not.toBe(xmlOf("loihi1")); // the edit applied
  try {
    parseTarget(broken, "/tmp/broken-loihi1.xml");
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as InputError).message;
  }
  throw new Error("broken target file was accepted");
}

describe("bundled targets", () => {
  it("lists loihi1 and loihi2, both valid", () => {
    expect(bundledTargetIds()).toEqual(["loihi1", "loihi2"]);
    expect(listTargets().map((t) => t.id)).toEqual(["loihi1", "loihi2"]);
  });

  it("loihi1 numbers match targets.md §1", () => {
    const t = loadTarget("loihi1");
    expect(t.chip).toEqual({ coresPerChip: 128, usableCoresPerChip: 128, maxChips: 16384, embeddedCpus: 3 });
    const core = t.coreClasses[0]!;
    expect([core.maxNeurons, core.maxInputAxons, core.maxOutputAxonSlots]).toEqual([1024, 4096, 4096]);
    expect(core.profiles).toEqual({ compartment: 32, threshold: 7, synapseFormat: 7 });
    expect(core.memoryModel.kind).toBe("loihi1-synmem");
    if (core.memoryModel.kind === "loihi1-synmem") {
      expect(core.memoryModel.totalBits).toBe(1048576);
      expect(core.memoryModel.idxBitsCodes).toEqual([0, 6, 7, 8, 9, 10, 11, 12]);
      expect(core.memoryModel.weightBitsCodes).toEqual([0, 1, 2, 3, 4, 5, 6, 8]);
    }
    expect(t.neuron.models).toEqual(["cuba-lif"]);
    expect(t.neuron.state).toEqual({ uBits: 24, vBits: 24, qBits: 22, uOverflow: "wrap", qOverflow: "wrap" });
    expect(t.neuron.threshold).toEqual({ mantissaBits: 17, mantissaMin: 1, mantissaMax: 131071, shift: 6, compare: "gt" });
    expect(t.neuron.bias).toEqual({ mantissaBits: 13, mantissaMax: 4095, expMin: 0, expMax: 7, entersState: "v" });
    // vmax = 2^(9+2k) − 1 for k = 0..7: 511, 2047, …, 2^23 − 1.
    expect(t.neuron.vmaxChoices).toEqual([511, 2047, 8191, 32767, 131071, 524287, 2097151, 8388607]);
    expect(t.neuron.vminChoices[0]).toBe(0);
    expect(t.neuron.vminChoices.at(-1)).toBe(-(2 ** 23 - 1));
    expect(t.neuron.refractory).toEqual({ min: 1, max: 63 });
    expect(t.synapse.weightExponent).toEqual({ min: -7, max: 7 });
    expect(t.synapse.weightRanges.mixed).toEqual({ min: -256, max: 254, step: 2 });
    expect(t.synapse.delay).toEqual({ min: 0, max: 62 });
    expect(t.timing.synapticLatency).toBe(1);
    expect(t.provenance["coreClass.0.maxNeurons"]).toEqual({ src: "NL block.py MAX_COMPARTMENTS", confidence: "code" });
    expect(t.provenance["neuron.threshold.mantissaMax"]?.confidence).toBe("code");
  });

  it("loihi2 numbers match targets.md §2", () => {
    const t = loadTarget("loihi2");
    expect(t.chip.usableCoresPerChip).toBe(120);
    expect(t.coreClasses[0]!.maxNeurons).toBe(4096);
    // Axon budgets are unpublished: assumed as on Loihi 1, marked unverified (the placer states it).
    expect(t.coreClasses[0]!.maxInputAxons).toBe(4096);
    expect(t.provenance["coreClass.0.maxInputAxons"]!.confidence).toBe("unverified");
    expect(t.coreClasses[0]!.memoryModel).toEqual({ kind: "lava-units", budgets: { SynMem: 12000 }, unitBits: 64, entriesPerBlock: 64, blockHeaderBits: 10 });
    expect(t.neuron.models).toEqual(["cuba-lif", "two-phase-b1"]);
    expect(t.neuron.programmable).toBe(true);
    expect(t.neuron.state.qBits).toBeNull();
    expect(t.neuron.refractory).toBeNull();
    expect(t.neuron.vmaxChoices).toEqual([8388607]);
    expect(t.neuron.vminChoices).toEqual([-8388607]);
    expect(t.timing.resetInterval).toBe("power-of-two");
    expect(t.synapse.gradedSpikeBits).toBe(24);
    expect(t.provenance["coreClass.0.maxNeurons"]?.confidence).toBe("log");
    expect(t.provenance["synapse.weightExponent"]?.confidence).toBe("unverified");
  });

  it("every numeric leaf of both files carries src and confidence", () => {
    for (const t of listTargets()) {
      for (const [key, p] of Object.entries(t.provenance)) {
        expect(p.src.length, key).toBeGreaterThan(0);
        expect(["code", "log", "doc", "2nd", "unverified"], key).toContain(p.confidence);
        for (const part of p.src.split(";")) expect(Object.keys(t.sources), `${key}: ${p.src}`).toContain(/^\s*([A-Za-z0-9_-]+)/.exec(part)?.[1]);
      }
      expect(Object.keys(t.provenance).length).toBeGreaterThan(40);
    }
  });

  it("unknown ids and missing files are InputErrors naming the choices", () => {
    expect(() => loadTarget("loihi3")).toThrow(/unknown target 'loihi3'.*/);
    try {
      loadTarget("loihi3");
    } catch (e) {
      expect((e as InputError).hint).toContain("loihi1, loihi2");
    }
    expect(() => loadTarget("/nonexistent/chip.xml")).toThrow(InputError);
  });
});

describe("broken target files", () => {
  it("missing element: names the file, the element and the rule", () => {
    const msg = errorOf((x) => x.replace(/<maxNeurons [^>]*\/>/, ""));
    expect(msg).toContain("/tmp/broken-loihi1.xml");
    expect(msg).toContain("<target/coreClass[1]>: element <maxNeurons> is missing (rule: required)");
  });

  it("wrong type: a word where an integer belongs", () => {
    const msg = errorOf((x) => x.replace('<mantissaBits value="17"', '<mantissaBits value="seventeen"'));
    expect(msg).toContain("<target/neuron/threshold/mantissaBits> attribute 'value': must be integer (rule: type)");
  });

  it("an element written twice: says so (was: must be object)", () => {
    const msg = errorOf((x) => x.replace(/(<mantissaBits [^>]*\/>)/, "$1$1"));
    expect(msg).toContain("<target/neuron/threshold/mantissaBits>: the element appears 2 times (rule: once)");
  });

  it("out-of-range value: schema minimum", () => {
    const msg = errorOf((x) => x.replace('<maxNeurons value="1024"', '<maxNeurons value="0"'));
    expect(msg).toContain("<target/coreClass[1]/maxNeurons> attribute 'value': must be >= 1 (rule: minimum)");
  });

  it("out-of-range value: a rule the schema cannot state (mantissa fits its bits)", () => {
    const msg = errorOf((x) => x.replace('<mantissaMax value="131071"', '<mantissaMax value="131072"'));
    expect(msg).toContain("/tmp/broken-loihi1.xml: <target/neuron/threshold/mantissaMax>: 131072 does not fit 17 bits");
  });

  it("missing provenance and unknown enum values are reported", () => {
    expect(errorOf((x) => x.replace(' src="NL block.py MAX_IN_AXONS"', ""))).toContain(
      "<target/coreClass[1]/maxInputAxons>: attribute 'src' is missing (rule: required)",
    );
    expect(errorOf((x) => x.replace('<compare value="gt"', '<compare value="gte"'))).toContain(
      '<target/neuron/threshold/compare> attribute \'value\': must be equal to one of the allowed values ["gt","ge"] (rule: enum)',
    );
  });

  it("a src that cites no declared source key is refused, naming the element and the declared keys", () => {
    expect(errorOf((x) => x.replace(' src="NL block.py MAX_IN_AXONS"', ' src="NOPE block.py"'))).toContain(
      '"NOPE block.py" does not start with a key declared in <sources> (declared: NL, LV, B2L, SPEC, LR, W) (rule: src cites a source)',
    );
    // every part of a list of citations
    expect(errorOf((x) => x.replace(' src="NL block.py MAX_IN_AXONS"', ' src="NL block.py; my notes"'))).toContain('"my notes" does not start with a key declared');
  });

  it("core classes: one covering every core; several (heterogeneous cores) or stray ids are refused, not ignored", () => {
    const second = (x: string) => {
      const block = /<coreClass ids="all">[\s\S]*?<\/coreClass>/.exec(x)![0];
      return x.replace(block, `${block.replace('ids="all"', 'ids="0"')}\n  ${block.replace('ids="all"', `ids="${Array.from({ length: 127 }, (_, i) => i + 1).join(" ")}"`)}`);
    };
    expect(errorOf(second)).toContain("<target/coreClass[2]>: 2 core classes; spikec places every core with the same budgets");
    expect(errorOf((x) => x.replace('<coreClass ids="all">', '<coreClass ids="500 600">'))).toContain("ids lists core 500, not a core id of a 128-core chip");
    expect(errorOf((x) => x.replace('<coreClass ids="all">', '<coreClass ids="0 1 2">'))).toContain("ids lists 3 of the chip's 128 cores");
    const every = xmlOf("loihi1").replace('<coreClass ids="all">', `<coreClass ids="${Array.from({ length: 128 }, (_, i) => i).join(" ")}">`);
    expect(parseTarget(every, "/tmp/every.xml").coreClasses[0]!.maxNeurons).toBe(1024);
  });

  it("an external entity is refused naming the file (not read, not a parser stack trace); 1e400 is not a number", () => {
    const entity = (x: string) => x.replace(/<target /, '<!DOCTYPE target [<!ENTITY x SYSTEM "file:///etc/hostname">]>\n<!-- &x; -->\n<target ');
    expect(errorOf(entity)).toMatch(/^\/tmp\/broken-loihi1\.xml: External entities are not supported \(rule: target files are plain XML without external entities\)/);
    expect(errorOf((x) => x.replace('<maxNeurons value="1024"', '<maxNeurons value="1e400"'))).toContain("<target/coreClass[1]/maxNeurons> attribute 'value': must be integer");
  });

  it("malformed XML gives line and column", () => {
    expect(errorOf((x) => x.replace("</chip>", "</chop>"))).toMatch(/broken-loihi1\.xml:\d+:\d+: not well-formed XML/);
  });
});
