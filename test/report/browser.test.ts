/**
 * The LeNet-5 report in a real browser (Debian's chromium, headless, driven by playwright-core): it renders without
 * console errors or network requests, every panel is there with a nonzero size, and a screenshot lands in
 * test-output/ for people to look at. Without Chromium the test fails and says how to install it.
 */
import { existsSync, mkdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { scratchDir } from "../helpers/scratch.js";

const CHROMIUM = process.env.SPIKEC_CHROMIUM ?? "/usr/bin/chromium";
const OUT = resolve("test-output");
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

let browser: Browser;
let dir: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: the report's browser test cannot run. Install it with \`apt-get update && apt-get install -y chromium\` (.ci/run does this), or set SPIKEC_CHROMIUM to its path.`);
  }
  dir = scratchDir("spikec-report-");
  const c = await runCli(["compile", "test/fixtures/lenet5_fmnist.onnx", "--calib", "test/fixtures/fmnist_calib_x.npy", "-o", dir, "--json"]);
  expect(c.code, c.stderr).toBe(0);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
});

afterAll(async () => {
  await browser?.close();
});

describe("report.html in Chromium", () => {
  it("renders LeNet-5's report: no console errors, no requests, every panel sized; saves a screenshot", async () => {
    const html = join(dir, "report.html");
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    const requests: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith("file:")) requests.push(r.url());
    });
    await page.goto(pathToFileURL(html).href, { waitUntil: "load" });
    const panels = await page.$$eval("section[data-panel]", (els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        return { id: e.getAttribute("data-panel"), width: r.width, height: r.height };
      }),
    );
    expect(panels.map((p) => p.id)).toEqual(["summary", "diagram", "raster", "histograms", "logits", "time-errors", "layers", "notes"]);
    for (const p of panels) {
      expect(p.width, p.id!).toBeGreaterThan(600);
      expect(p.height, p.id!).toBeGreaterThan(40);
    }
    // Every chart is drawn at a visible size (SVGs scale to the panel).
    const charts = await page.$$eval("svg.chart", (els) => els.map((e) => e.getBoundingClientRect()).map((r) => Math.min(r.width, r.height)));
    expect(charts.length).toBe(1 + 1 + 6 + 1); // diagram, raster, 4 spiking + 2 gate histograms, scatter
    expect(Math.min(...charts)).toBeGreaterThan(100);
    mkdirSync(OUT, { recursive: true });
    const shot = join(OUT, "report-lenet5.png");
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(50_000);
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });
});
