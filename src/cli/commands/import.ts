/** `spikec import nir model.nir -o DIR`: a NIR file written by `spikec export nir` back into network.json. */
import { join } from "node:path";
import type { Argv, CommandModule } from "yargs";
import { importNir } from "../../nir/import.js";
import { readNir } from "../../nir/read.js";
import { NETWORK_FILE, saveNetwork } from "../../snn/serialize.js";
import { removeStaleHw } from "../../hw/serialize.js";
import { verifyNetwork } from "../../snn/verify.js";
import { InputError } from "../../util/errors.js";
import { checkOutputDir, checkOutputPath, refuseOverwrite } from "../options.js";
import { staleOutputs } from "../emit.js";

interface ImportNirArgs {
  file: string;
  out: string;
  json: boolean;
}

const importNirCommand: CommandModule<object, ImportNirArgs> = {
  command: "nir <file>",
  describe: "Read a NIR file of spikec's TTFS profile back into the SNN IR (network.json + network.bin)",
  builder: (y) =>
    (y as Argv<object>)
      .positional("file", { type: "string", demandOption: true, describe: "The .nir file (written by `spikec export nir`)" })
      .option("out", { alias: "o", type: "string", demandOption: true, describe: "Output folder" })
      .option("json", { type: "boolean", default: false, describe: "Print what was written as JSON (file, populations, model, stale files removed)" })
      .example("$0 import nir lenet5.nir -o out/lenet5-back", "then `spikec simulate out/lenet5-back …`") as Argv<ImportNirArgs>,
  handler: async (args) => {
    checkOutputDir("--out", args.out);
    for (const f of [NETWORK_FILE, "network.bin"]) {
      checkOutputPath("--out", join(args.out, f));
      refuseOverwrite(join(args.out, f), [args.file]);
    }
    const graph = await readNir(args.file);
    let net;
    try {
      net = importNir(graph);
      verifyNetwork(net);
    } catch (e) {
      if (e instanceof InputError) throw new InputError(`${args.file}: ${e.message}`, e.hint);
      throw new InputError(`${args.file}: the network in its metadata is inconsistent (${(e as Error).message})`, "export the network again with `spikec export nir`");
    }
    const path = saveNetwork(args.out, net);
    // The folder may hold an earlier compile's lowering, which belongs to another network.
    const stale = removeStaleHw(args.out);
    if (args.json) process.stdout.write(JSON.stringify({ wrote: path, populations: net.populations.length, model: net.model, removed: stale }) + "\n");
    else {
      process.stdout.write(`wrote ${path} (${net.populations.length} populations, ${net.model} model)\n`);
      if (stale.length > 0) process.stdout.write(`removed ${stale.join(", ")}: an earlier compile's lowering, stale for this network\n`);
    }
    const old = staleOutputs(args.out, [path]);
    if (old.length > 0) process.stderr.write(`note: ${old.join(", ")} in ${args.out} come from an earlier run and describe another network: remove them, or compile again\n`);
  },
};

export const importCommand: CommandModule<object, object> = {
  command: "import <format>",
  describe: "Read a network written in another format (nir) into spikec's SNN IR",
  builder: (y) => y.command(importNirCommand).demandCommand(1, "Name a format: nir").example("$0 import nir lenet5.nir -o out/lenet5-back", "a NIR file written by spikec, back as network.json"),
  handler: () => {},
};
