/** `spikec export nir DIR -o model.nir`: a compiled network (network.json) as a NIR graph file. */
import type { Argv, CommandModule } from "yargs";
import { exportNir } from "../../nir/export.js";
import { writeNirFile } from "../../nir/write.js";
import { noteNirFile } from "../emit.js";
import { loadNetwork } from "../../snn/serialize.js";
import { checkOutputPath, networkFiles, refuseOverwrite } from "../options.js";
import { refuseFolderFile, requireExtension } from "../output-guard.js";

/** NIR files are HDF5: the reference package writes any name; .nir and .h5 are the ones in use. */
const NIR_EXTENSIONS = [".nir", ".h5"];

interface ExportNirArgs {
  dir: string;
  out: string;
  json: boolean;
}

const exportNirCommand: CommandModule<object, ExportNirArgs> = {
  command: "nir <dir>",
  describe: "Write a compiled network as NIR (HDF5): standard primitives whose continuous-time dynamics are the TTFS network's",
  builder: (y) =>
    (y as Argv<object>)
      .positional("dir", { type: "string", demandOption: true, describe: "Output folder of `spikec compile` (holds network.json)" })
      .option("out", { alias: "o", type: "string", demandOption: true, describe: "The .nir file to write" })
      .option("json", { type: "boolean", default: false, describe: "Print what was written as JSON (file, nodes, edges, model)" })
      .example("$0 export nir out/lenet5 -o lenet5.nir", "then `spikec nir check lenet5.nir`, or nir.read in Python") as Argv<ExportNirArgs>,
  handler: async (args) => {
    checkOutputPath("--out", args.out);
    refuseOverwrite(args.out, networkFiles(args.dir));
    requireExtension("--out", args.out, NIR_EXTENSIONS, "a NIR graph (HDF5)");
    refuseFolderFile("--out", args.out, args.dir, "model.nir");
    const net = loadNetwork(args.dir);
    const graph = exportNir(net);
    await writeNirFile(args.out, graph);
    process.stdout.write(
      args.json
        ? JSON.stringify({ wrote: args.out, nodes: graph.nodes.size, edges: graph.edges.length, model: net.model }) + "\n"
        : `wrote ${args.out}: ${graph.nodes.size} nodes, ${graph.edges.length} edges (${net.model} model)\n`,
    );
    noteNirFile(graph, args.out);
  },
};

export const exportCommand: CommandModule<object, object> = {
  command: "export <format>",
  describe: "Write a compiled network in another format (nir)",
  builder: (y) => y.command(exportNirCommand).demandCommand(1, "Name a format: nir").example("$0 export nir out/lenet5 -o lenet5.nir", "the compiled network as a NIR graph"),
  handler: () => {},
};
