/** `spikec nir check FILE.nir [--json]`: validate a NIR file with the reference package's rules and summarize it. */
import type { Argv, CommandModule } from "yargs";
import { type NirCheckReport, checkNir } from "../../nir/check.js";
import { describeIssue } from "../../nir/issues.js";
import { fmtShape } from "../../nir/tensor.js";

interface NirCheckArgs {
  file: string;
  json: boolean;
}

export function formatCheckReport(r: NirCheckReport): string {
  const s = r.summary;
  const lines: string[] = [];
  // /version is the nir package version the writer follows (spikec writes 1.0.7's layout), not who wrote the file.
  lines.push(`${r.file}: ${r.valid ? "valid NIR" : "INVALID NIR"}${r.version ? ` (/version ${r.version})` : ""}`);
  const byType = Object.entries(s.nodesByType).sort((a, b) => b[1] - a[1]).map(([t, n]) => `${n} ${t}`).join(", ");
  lines.push(`  nodes: ${s.nodes} (${byType})${s.subgraphs ? `, ${s.subgraphs} subgraph(s)` : ""}`);
  lines.push(`  edges: ${s.edges}`);
  lines.push(`  parameters: ${s.parameters.toLocaleString("en-US")}`);
  for (const i of s.inputs) lines.push(`  input  ${i.name}: ${fmtShape(i.shape)}`);
  for (const o of s.outputs) lines.push(`  output ${o.name}: ${fmtShape(o.shape)}`);
  const width = Math.max(4, ...s.nodeList.map((n) => n.path.length));
  lines.push("", `  ${"node".padEnd(width)}  ${"type".padEnd(9)}  ${"input".padEnd(14)}  ${"output".padEnd(14)}  params`);
  for (const n of s.nodeList) {
    lines.push(`  ${n.path.padEnd(width)}  ${n.type.padEnd(9)}  ${fmtShape(n.input).padEnd(14)}  ${fmtShape(n.output).padEnd(14)}  ${n.parameters}${n.dtypes.length ? ` ${n.dtypes.join("/")}` : ""}`);
  }
  if (r.errors.length) lines.push("", `errors (${r.errors.length}):`, ...r.errors.map((i) => `  ${describeIssue(i)}`));
  if (r.warnings.length) lines.push("", `warnings (${r.warnings.length}):`, ...r.warnings.map((i) => `  ${describeIssue(i)}`));
  if (!r.valid) lines.push("", "  try: fix what each error names (node and field) and write the file again (nir.write, or spikec export nir)");
  return lines.join("\n") + "\n";
}

const checkCommand: CommandModule<object, NirCheckArgs> = {
  command: "check <file>",
  describe: "Validate a NIR file (reference rules: node types, fields, dtypes, shapes, type inference) and summarize it",
  builder: (y) =>
    (y as Argv<object>)
      .positional("file", { type: "string", demandOption: true, describe: "The .nir (HDF5) file" })
      .option("json", { type: "boolean", default: false, describe: "Print the full report as JSON" })
      .example("$0 nir check model.nir", "exit 0 when valid, 2 when invalid or unreadable") as Argv<NirCheckArgs>,
  handler: async (args) => {
    const report = await checkNir(args.file);
    process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatCheckReport(report));
    if (!report.valid) process.exitCode = 2;
  },
};

export const nirCommand: CommandModule<object, object> = {
  command: "nir <command>",
  describe: "Work with NIR files (the Neuromorphic Intermediate Representation)",
  builder: (y) => y.command(checkCommand).demandCommand(1, "Name a nir subcommand: check").example("$0 nir check model.nir", "validate any NIR file by the reference package's rules"),
  handler: () => {},
};
