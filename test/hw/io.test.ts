/** The HW IR's input encoding and readout decoding (src/hw/io.ts), with hand-computed ticks. */
import { describe, expect, it } from "vitest";
import type { HwInputEncoding, HwNetwork } from "../../src/hw/network.js";
import { decodeReadout, encodeInputTicks, encodeTick } from "../../src/hw/io.js";
import { featureNetwork } from "./hw-builders.js";

const enc = (e: Partial<HwInputEncoding> = {}): HwInputEncoding => ({ low: 0, high: 1, firstTick: 0, ticksPerWindow: 8, rounding: "nearest", silentAtLow: false, ...e });

describe("encodeTick", () => {
  it("x̂ = 1 fires first, x̂ = 0 last; nearest rounds half-ticks up, floor rounds toward earlier ticks", () => {
    // (1 − x̂)·8: x = 1 → 0, x = 0 → 8, x = 0.75 → 2, x = 0.3125 → 5.5 → 6 (nearest) / 5 (floor)
    expect([1, 0, 0.75, 0.3125].map((x) => encodeTick(enc(), x))).toEqual([0, 8, 2, 6]);
    expect([1, 0, 0.75, 0.3125].map((x) => encodeTick(enc({ rounding: "floor" }), x))).toEqual([0, 8, 2, 5]);
  });

  it("range, offset, clipping, and silence at low (b1)", () => {
    const e = enc({ low: -1, high: 3, firstTick: 5, ticksPerWindow: 4 });
    // x̂ = (x + 1)/4: x = 3 → tick 5, x = 1 → x̂ = 0.5 → 5 + 2, x = −2 → clipped to x̂ = 0 → 9, x = 7 → 5
    expect([3, 1, -2, 7].map((x) => encodeTick(e, x))).toEqual([5, 7, 9, 5]);
    expect(encodeTick(enc({ silentAtLow: true }), 0)).toBe(-1);
    expect(encodeTick(enc({ silentAtLow: true }), -5)).toBe(-1);
    expect(encodeTick(enc({ silentAtLow: true }), 0.125)).toBe(7);
  });
});

describe("encodeInputTicks / decodeReadout", () => {
  it("one sample → spikes of the input population, clipped values counted", () => {
    const net: HwNetwork = featureNetwork(false, "loihi1"); // input [1, 3, 3], K = 8, range [0, 1]
    const x = [1, 0, 0.5, 2, -1, 0.25, 0.125, 0.875, 0.0625];
    const { spikes, clipped } = encodeInputTicks(net, x);
    expect(clipped).toBe(2);
    expect(spikes).toHaveLength(1);
    expect(spikes[0]!.population).toBe("in");
    expect(Array.from(spikes[0]!.neuron)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(spikes[0]!.tick)).toEqual([0, 8, 4, 0, 8, 6, 7, 1, 8]); // 0.0625 → 7.5 → 8
    expect(() => encodeInputTicks(net, [1, 2])).toThrow(/a sample has 2 values, but the HW IR's inputs take 9/);
  });

  it("logit = scale · v + offset", () => {
    const r = { population: "fc", tick: 3, scale: 0.25, offset: Float64Array.of(1, -1) };
    expect(Array.from(decodeReadout(r, Int32Array.of(8, -4)))).toEqual([3, -2]);
    expect(Array.from(decodeReadout({ ...r, offset: null }, Int32Array.of(8, -4)))).toEqual([2, -1]);
  });

  it("a readout with relu: logit = max(0, scale · v + offset); relu false or absent leaves negatives", () => {
    const r = { population: "fc", tick: 3, scale: 0.25, offset: Float64Array.of(1, -1, 0.5) };
    expect(Array.from(decodeReadout({ ...r, relu: true }, Int32Array.of(8, -4, -2)))).toEqual([3, 0, 0]);
    expect(Array.from(decodeReadout({ ...r, relu: false }, Int32Array.of(8, -4, -2)))).toEqual([3, -2, 0]);
  });
});
