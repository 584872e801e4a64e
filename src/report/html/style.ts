/** The report's stylesheet: system fonts only (no downloads), readable on a laptop, clean when printed. */
export const STYLE = `
:root { --ink: #1d2330; --muted: #5d6878; --line: #d9dee6; --band: #f5f7fa; --accent: #2f6fb0; --bad: #c8322d; --good: #2e7d4f; }
* { box-sizing: border-box; }
body { margin: 0; background: #eef1f5; color: var(--ink); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header.top { background: #1d2330; color: #fff; padding: 18px 28px 16px; }
header.top h1 { margin: 0 0 4px; font-size: 20px; font-weight: 600; }
header.top .sub { color: #b9c3d1; font-size: 13px; }
main { max-width: 1040px; margin: 0 auto; padding: 18px 20px 40px; }
section.panel { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px 18px; margin: 0 0 18px; }
section.panel h2 { font-size: 16px; margin: 0 0 2px; }
section.panel p.lead { color: var(--muted); margin: 0 0 12px; font-size: 13px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; }
.card { background: var(--band); border-radius: 6px; padding: 10px 12px; }
.card .k { color: var(--muted); font-size: 12px; }
.card .v { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card.good .v { color: var(--good); } .card.bad .v { color: var(--bad); }
svg.chart { display: block; max-width: 100%; height: auto; font: 11px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
.small-multiples { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 8px 14px; }
.pair { display: flex; flex-wrap: wrap; gap: 20px; align-items: flex-start; }
.pair > .side { flex: 1 1 260px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12px; background: var(--band); }
td.n, th.n { text-align: right; white-space: nowrap; }
td.code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.tag { display: inline-block; padding: 0 6px; border-radius: 9px; font-size: 11px; font-weight: 600; }
.tag.ok { background: #dff2e6; color: var(--good); } .tag.bad { background: #fbe3e2; color: var(--bad); } .tag.info { background: #e4edf7; color: var(--accent); }
details summary { cursor: pointer; color: var(--accent); margin-top: 8px; }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 8px; }
.axis { stroke: #8a94a3; stroke-width: 1; } .grid { stroke: #e8ebf0; stroke-width: 1; }
.tick { fill: var(--muted); font-size: 10px; } .axis-label { fill: var(--muted); font-size: 11px; }
.legend { fill: var(--ink); font-size: 11px; } .legend-head { fill: var(--muted); font-weight: 600; }
.row-band { fill: rgba(0, 20, 60, 0.03); }
.pop-name { fill: var(--ink); font-weight: 600; font-size: 12px; } .pop-meta { fill: var(--muted); font-size: 10.5px; }
.win-label { fill: var(--muted); font-size: 10.5px; font-variant-numeric: tabular-nums; }
.integration { fill: #c9d6e6; }
.edge { fill: none; stroke: #7d8897; stroke-width: 1.2; } .edge-delayed { stroke: #d07b1a; stroke-dasharray: 4 3; stroke-width: 1.6; }
.edge-head { fill: #7d8897; } .edge-label { fill: #b0620f; font-size: 10.5px; font-weight: 600; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.raster-window { fill: #eaf1f9; } .raster-frame { fill: none; stroke: #e1e5eb; }
.spikes { fill: none; stroke-width: 1; } .spikes-cycle { stroke-width: 1.2; opacity: 0.8; }
.hist-window { fill: #eaf1f9; } .win-edge { stroke: #2f6fb0; stroke-width: 1; stroke-dasharray: 3 2; }
.hist-tmax { fill: #b9c3d1; } .hist-title { fill: var(--ink); font-weight: 600; font-size: 12px; } .hist-note { fill: var(--muted); font-size: 10.5px; }
.identity { stroke: #b9c3d1; stroke-width: 1; stroke-dasharray: 4 3; }
.dots { fill: none; stroke-width: 4; stroke-linecap: round; opacity: 0.7; }
.bar-label { fill: var(--ink); font-size: 11.5px; } .bar-value { fill: var(--muted); font-size: 10px; }
.bar-highlight { fill: #fff4e0; } .ref-line { stroke-width: 1.2; stroke-dasharray: 4 3; }
.heat-outline { fill: none; stroke: #d07b1a; stroke-width: 2; }
@media print {
  body { background: #fff; font-size: 11px; }
  header.top { background: #fff; color: var(--ink); border-bottom: 2px solid var(--ink); padding: 0 0 8px; }
  header.top .sub { color: var(--muted); }
  main { max-width: none; padding: 8px 0; }
  section.panel { border: none; padding: 0; margin: 0 0 14px; break-inside: avoid; page-break-inside: avoid; }
  details { display: block; } details > summary { display: none; }
}
`;
