/** Numbers in the terminal tables and lines: counts and large averages grouped alike (an audit: "4911 spikes … 2.599e+5 synaptic events"). */
import { describe, expect, it } from "vitest";
import { formatNumber } from "../../src/cli/table.js";

describe("formatNumber", () => {
  it.each([
    [259873, "259,873"],
    [259873.44, "259,873.4"],
    [4911.5, "4,911.5"],
    [999.96, "1,000"],
    [999.94, "999.9"],
    [2.5e9 + 0.25, "2,500,000,000.3"],
    [0.1234567, "0.1235"],
    [12.3456, "12.35"],
    [0.00012, "1.20e-4"],
    [0, "0"],
  ])("%d → %s", (v, text) => {
    expect(formatNumber(v)).toBe(text);
  });
});
