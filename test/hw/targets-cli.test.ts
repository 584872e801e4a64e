import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";

function captureStdout(): { text: () => string } {
  let out = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  return { text: () => out };
}

afterEach(() => vi.restoreAllMocks());

describe("spikec targets", () => {
  it("prints one summary line per bundled target", async () => {
    const out = captureStdout();
    expect(await main(["targets"])).toBe(0);
    const lines = out.text().split("\n").filter((l) => /^loihi/.test(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^loihi1 +Intel Loihi \(N2\): 128 cores\/chip × 1024 neurons, 8-bit weights, exp -7\.\.7, vth 17-bit << 6, delays ≤ 62, refractory ≤ 63, neurons: cuba-lif$/);
    expect(lines[1]).toContain("120 cores/chip × 4096 neurons");
    expect(lines[1]).toContain("neurons: cuba-lif, two-phase-b1");
  });

  it("--json prints the target objects", async () => {
    const out = captureStdout();
    expect(await main(["targets", "--json"])).toBe(0);
    const parsed = JSON.parse(out.text()) as { id: string; neuron: { threshold: { shift: number } } }[];
    expect(parsed.map((t) => t.id)).toEqual(["loihi1", "loihi2"]);
    expect(parsed[0]!.neuron.threshold.shift).toBe(6);
  });
});
