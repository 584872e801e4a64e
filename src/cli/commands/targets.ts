/** `spikec targets [FILE…] [--json]`: the bundled target descriptions (or the given files, checked), one line each. */
import type { CommandModule } from "yargs";
import { listTargets, loadTarget } from "../../hw/target/load.js";
import { summarizeTarget } from "../../hw/target/target.js";

interface TargetsArgs {
  files?: string[];
  json: boolean;
}

export const targetsCommand: CommandModule<object, TargetsArgs> = {
  command: "targets [files..]",
  describe: "List the bundled hardware targets (targets/*.xml) with a one-line summary, or check your own target files",
  builder: (y) =>
    y
      .positional("files", { type: "string", array: true, describe: "Target XML files to check and summarize instead (each validated as --target FILE would be)" })
      .option("json", { type: "boolean", default: false, describe: "Print the full target objects as JSON" })
      .example("$0 targets", "one line per bundled target")
      .example("$0 targets my-chip.xml", "checks my-chip.xml (exit 2 naming the element and rule if it is not valid) and summarizes it"),
  handler: (args) => {
    const targets = args.files?.length ? args.files.map((f) => loadTarget(f.includes("/") || f.endsWith(".xml") ? f : `./${f}`)) : listTargets();
    if (args.json) {
      process.stdout.write(`${JSON.stringify(targets, null, 2)}\n`);
      return;
    }
    const width = Math.max(...targets.map((t) => t.id.length));
    for (const t of targets) process.stdout.write(`${t.id.padEnd(width)}  ${summarizeTarget(t)}\n`);
    process.stdout.write(`\nUse one with --target ID, or give a path to your own XML file (see targets/loihi1.xml).\n`);
  },
};
