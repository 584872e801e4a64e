/**
 * hw.json remembers the chip it was lowered for (id, the file of a custom target, the target's digest), and the
 * cycle engine, fit and the backends take exactly that chip again (src/hw/target/for-hw.ts): a custom target file is
 * found without --target, and a file that changed, vanished, or reuses a bundled id with other numbers is refused.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compile } from "../../src/compile.js";
import { lowerToHw } from "../../src/hw/lower.js";
import { loadHwNetwork, saveHwNetwork } from "../../src/hw/serialize.js";
import { targetDigest } from "../../src/hw/target/digest.js";
import { targetForHw } from "../../src/hw/target/for-hw.js";
import { loadTarget, packageRoot } from "../../src/hw/target/load.js";

const FIX = "test/fixtures";
const dir = mkdtempSync(join(tmpdir(), "spikec-target-for-hw-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const xml = readFileSync(join(packageRoot(), "targets", "loihi2.xml"), "utf8");
/** loihi2.xml with another id and/or another neuron count per core. */
function variant(file: string, id: string, maxNeurons: number): string {
  const path = join(dir, file);
  writeFileSync(path, xml.replace('<target id="loihi2"', `<target id="${id}"`).replace('<maxNeurons value="4096"', `<maxNeurons value="${maxNeurons}"`));
  return path;
}

describe("the target of a lowered network", () => {
  const snn = compile(`${FIX}/mlp_digits.onnx`, `${FIX}/digits_calib_x.npy`).net;

  it("bundled: recorded by id and digest, found again by id", () => {
    const t = loadTarget("loihi2");
    const net = lowerToHw(snn, t, 16).hw;
    expect(net.targetDigest).toBe(targetDigest(t));
    expect(net.targetDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(net.targetFile).toBeUndefined();
    expect(targetForHw(net, "hw.json").file).toBe(t.file);
    expect(targetForHw(net, "hw.json", "loihi2").id).toBe("loihi2");
    // the digest ignores where the numbers came from, and key order
    expect(targetDigest({ ...t, sources: {}, provenance: {}, file: "elsewhere.xml" })).toBe(targetDigest(t));
    expect(targetDigest({ ...t, chip: { ...t.chip, coresPerChip: t.chip.coresPerChip + 1 } })).not.toBe(targetDigest(t));
  });

  it("custom file: found without --target through hw.json, also after a save and load", () => {
    const file = variant("mychip.xml", "mychip", 1024);
    const net = lowerToHw(snn, loadTarget(file), 16).hw;
    expect(net.targetFile).toBe(file);
    const out = join(dir, "custom");
    saveHwNetwork(out, net);
    const back = loadHwNetwork(out);
    const t = targetForHw(back, "hw.json");
    expect([t.id, t.file, t.coreClasses[0]!.maxNeurons]).toEqual(["mychip", file, 1024]);
    // the same file, named again
    expect(targetForHw(back, "hw.json", file).id).toBe("mychip");
  });

  it("refused: another chip with the same id, an edited file, a vanished file, another target", () => {
    const shadow = variant("shadow.xml", "loihi2", 64);
    const net = lowerToHw(snn, loadTarget(shadow), 16).hw;
    expect(() => targetForHw(net, "d/hw.json", "loihi2")).toThrow(
      `d/hw.json was lowered for target 'loihi2' (${shadow}); --target loihi2 describes a different chip under the same id`,
    );
    expect(() => targetForHw(net, "d/hw.json", "loihi1")).toThrow("--target loihi1 describes a different chip ('loihi1')");
    variant("shadow.xml", "loihi2", 128); // edited after the compile
    expect(() => targetForHw(net, "d/hw.json")).toThrow(`but ${shadow} now describes a different chip (its numbers changed since)`);
    rmSync(shadow);
    expect(() => targetForHw(net, "d/hw.json")).toThrow(`d/hw.json was lowered for target 'loihi2' (${shadow}), and that file is gone`);
  });

  it("hw.json from before digests: the id decides", () => {
    const { targetDigest: _d, ...old } = lowerToHw(snn, loadTarget("loihi1"), 16).hw;
    expect(targetForHw(old, "hw.json").id).toBe("loihi1");
  });
});
