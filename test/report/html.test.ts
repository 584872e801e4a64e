/**
 * report.html from ReportData: panels appear exactly when their data does, charts draw the numbers they are given,
 * the page is self-contained and the output deterministic.
 */
import { describe, expect, it } from "vitest";
import { renderReportHtml } from "../../src/report/html/render.js";
import { renderHeatmap } from "../../src/report/html/heatmap.js";
import { niceTicks } from "../../src/report/html/scale.js";
import { syntheticData } from "./synthetic.js";

const panels = (html: string) => [...html.matchAll(/data-panel="([a-z-]+)"/g)].map((m) => m[1]);

describe("renderReportHtml", () => {
  it("draws every panel when every section exists, in page order", () => {
    const html = renderReportHtml(syntheticData());
    expect(panels(html)).toEqual(["summary", "diagram", "raster", "histograms", "logits", "time-errors", "quantization", "fit", "layers", "notes"]);
  });

  it("leaves out the panels whose data is missing", () => {
    const { raster: _r, histograms: _h, logits: _l, timeErrors: _t, quantization: _q, cycle: _c, fit: _f, ...bare } = syntheticData();
    expect(panels(renderReportHtml(bare))).toEqual(["summary", "diagram", "layers", "notes"]);
    const noHw = syntheticData();
    delete noHw.quantization;
    delete noHw.fit;
    delete noHw.cycle;
    const html = renderReportHtml(noHw);
    expect(panels(html)).not.toContain("quantization");
    expect(html).not.toContain('class="spikes spikes-cycle"');
  });

  it("a failed verify with every argmax agreeing: agreement in green, the logit difference in red with the reason", () => {
    const d = syntheticData();
    d.verification = { source: "x.npy", samples: 200, agreement: 1, maxAbsDelta: 0.4, maxAbsReference: 12, annAccuracy: null, snnAccuracy: null, spikesPerNeuron: 1, matches: false };
    const html = renderReportHtml(d);
    expect(html).toContain('<div class="card good"><div class="k">agreement (200 inputs)</div><div class="v">100.00 %</div></div>');
    expect(html).toMatch(/<div class="card bad"><div class="k">max \|Δlogit\| SNN vs ANN<\/div><div class="v">0\.4 \(&gt; 1e-9 × max \|logit\|: not exact\)<\/div><\/div>/);
    d.verification = { ...d.verification, maxAbsDelta: 1e-12, matches: true };
    expect(renderReportHtml(d)).toMatch(/<div class="card good"><div class="k">max \|Δlogit\| SNN vs ANN<\/div><div class="v">[^<]* \(exact\)<\/div>/);
  });

  it("is self-contained: no scripts, no external resources, text escaped", () => {
    const html = renderReportHtml(syntheticData());
    expect(html).not.toMatch(/<script|@import|url\((?!#)|<link|src=/i);
    // The only URL is the SVG namespace.
    expect([...html.matchAll(/https?:\/\/[^"]+/g)].map((m) => m[0]).every((u) => u === "http://www.w3.org/2000/svg")).toBe(true);
    expect(html).toContain("a &lt;note&gt; with &amp; markup");
    expect(html).not.toContain("<note>");
  });

  it("is deterministic: same data, same bytes", () => {
    expect(renderReportHtml(syntheticData())).toBe(renderReportHtml(syntheticData()));
  });

  it("draws delayed projections dashed with their delay, and the cycle spikes over the exact ones", () => {
    const html = renderReportHtml(syntheticData());
    expect(html.match(/class="edge edge-delayed"/g)?.length).toBe(1);
    expect(html.match(/class="edge"/g)?.length).toBe(3);
    expect(html).toContain(">delay 3<");
    // Raster: one tick per spike ("M…v…" segments): 4 + 2 + 1 exact, 2 cycle.
    const exact = [...html.matchAll(/<path d="([^"]*)"[^>]*class="spikes spikes-exact"/g)].map((m) => m[1]!.split("M").length - 1);
    expect(exact).toEqual([4, 2, 1]);
    const cycle = [...html.matchAll(/<path d="([^"]*)"[^>]*class="spikes spikes-cycle"/g)].map((m) => m[1]!.split("M").length - 1);
    expect(cycle).toEqual([2]);
  });

  it("marks disagreeing samples red in the scatter and states agreement and max error", () => {
    const html = renderReportHtml(syntheticData());
    expect(html).toContain("agreement 50.00 % on 2 samples × 2 classes");
    expect(html).toMatch(/max \|Δ\| 4 \(1\.333 × max \|logit\|\)/);
    // Sample 1 (ANN argmax 0, SNN argmax 1) → its 2 dots are red.
    const red = html.match(/<path d="([^"]*)" stroke="#c8322d" class="dots"/);
    expect(red![1]!.split("M").length - 1).toBe(2);
  });

  it("quantization panel: bars per population, errors in ticks, half-tick reference", () => {
    const html = renderReportHtml(syntheticData());
    const section = html.slice(html.indexOf('data-panel="quantization"'), html.indexOf('data-panel="fit"'));
    expect(section).toContain("half a tick");
    expect(section).toContain("in each layer's own ticks");
    expect(section).toContain("the input's tick is 0.125 input windows");
    // Rows show the errors in their own ticks as given (b: 0.25 windows = 0.5 of its ticks, not 2 of the input's).
    const rowB = section.slice(section.indexOf("<td>b</td>"));
    expect(rowB).toMatch(/^<td>b<\/td><td class="n">16<\/td><td class="n">0.25<\/td><td class="n">0.1<\/td><td class="n">0.5<\/td><td class="n">0.2<\/td>/);
    expect(section).toContain("Readout agreement 87.50 %");
  });
});

describe("core utilization heat map", () => {
  it("one cell per core and resource, shaded by the fraction used, red over budget, binding row outlined", () => {
    const fit = syntheticData().fit!;
    const svg = renderHeatmap(fit);
    const cells = [...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="22" fill="([^"]+)"><title>core (\d), ([a-z ]+): /g)];
    expect(cells.length).toBe(9);
    const fill = (core: string, res: string) => cells.find((c) => c[2] === core && c[3] === res)![1];
    expect(fill("1", "synapse memory")).toBe("#c8322d"); // 20000 / 16384 > 1
    expect(fill("2", "neurons")).toBe("rgb(240,244,248)"); // empty core
    expect(fill("0", "neurons")).toBe("rgb(136,164,199)"); // half full
    expect(svg).toContain("synapse memory (binding)");
    expect(svg.match(/class="heat-outline"/g)?.length).toBe(1);
    const html = renderReportHtml(syntheticData());
    expect(html).toContain("3 of 128 cores used");
    expect(html).toContain("does not fit");
  });
});

describe("scales", () => {
  it("nice ticks are round and cover the range", () => {
    expect(niceTicks(0, 50.93, 8)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(niceTicks(-20, 15, 6)).toEqual([-20, -10, 0, 10]);
    expect(niceTicks(0.001, 0.0042, 4)).toEqual([0.001, 0.002, 0.003, 0.004]);
    expect(niceTicks(1, 1)).toEqual([1]);
  });
});

describe("names from the model are text everywhere", () => {
  it("a population named like markup is escaped in every table, label and hover title", () => {
    const hostile = `</title><script>window.x=1</script><b onclick="y()">'&amp;`;
    // Every string "a" in the data (the population id, its layer, its rows) becomes the hostile name.
    const rename = (v: unknown): unknown =>
      v === "a" ? hostile : Array.isArray(v) ? v.map(rename) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rename(x)])) : v;
    const html = renderReportHtml(rename(syntheticData()) as ReturnType<typeof syntheticData>);
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<b ");
    // Shown as text: in the diagram's hover titles too (they were not escaped).
    const shown = "&lt;/title&gt;&lt;script&gt;window.x=1&lt;/script&gt;&lt;b onclick=&quot;y()&quot;&gt;'&amp;amp;";
    expect(html.split(shown).length - 1).toBeGreaterThanOrEqual(5);
    expect(html).toContain(`<title>${shown}: window [1, 4]</title>`);
  });
});
