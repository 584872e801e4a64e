/** `spikec inspect MODEL.onnx [--json]`: what the importer sees, node by node, and which ops it cannot take. */
import type { Argv, CommandModule } from "yargs";
import { type ModelReport, inspectModel } from "../../onnx/inspect.js";
import { supportedOpList } from "../../onnx/supported.js";

interface InspectArgs {
  model: string;
  json: boolean;
}

export function formatModelReport(r: ModelReport): string {
  const lines = [`${r.file}: opset ${r.opset}, input [N, ${r.inputShape.join(", ")}], ${r.nodes.length} nodes`];
  const cols = {
    name: Math.max(4, ...r.nodes.map((n) => n.name.length)),
    op: Math.max(2, ...r.nodes.map((n) => n.op.length)),
    inputs: Math.max(6, ...r.nodes.map((n) => n.inputShapes.join(" ").length)),
    output: Math.max(6, ...r.nodes.map((n) => n.outputShape.length)),
  };
  lines.push("", `  ${"node".padEnd(cols.name)}  ${"op".padEnd(cols.op)}  ${"inputs".padEnd(cols.inputs)}  ${"output".padEnd(cols.output)}  ok`);
  for (const n of r.nodes)
    lines.push(
      `  ${n.name.padEnd(cols.name)}  ${n.op.padEnd(cols.op)}  ${n.inputShapes.join(" ").padEnd(cols.inputs)}  ${n.outputShape.padEnd(cols.output)}  ${n.supported ? "yes" : "NO "}${n.reason ? `  ${n.reason}` : ""}`,
    );
  const bad = r.nodes.filter((n) => !n.supported);
  lines.push("");
  if (r.importable) lines.push("every node is supported: the model imports");
  else if (bad.length) lines.push(`${bad.length} node(s) not supported; spikec supports: ${supportedOpList()}`);
  else lines.push(`the nodes are supported but the model does not import: ${r.error ?? "see above"}`);
  return lines.join("\n") + "\n";
}

export const inspectCommand: CommandModule<object, InspectArgs> = {
  command: "inspect <model>",
  describe: "Show what the ONNX importer sees: every node with its shapes and whether spikec supports it",
  builder: (y) =>
    (y as Argv<object>)
      .positional("model", { type: "string", demandOption: true, describe: "The .onnx model" })
      .option("json", { type: "boolean", default: false, describe: "Print the report as JSON" })
      .example("$0 inspect model.onnx", "exit 0 when the model imports, 2 when some node is not supported") as Argv<InspectArgs>,
  handler: (args) => {
    const report = inspectModel(args.model);
    process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatModelReport(report));
    if (!report.importable) process.exitCode = 2;
  },
};
