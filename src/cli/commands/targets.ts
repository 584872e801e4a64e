/** `spikec targets [--json]`: the bundled target descriptions, one line each. */
import type { CommandModule } from "yargs";
import { listTargets } from "../../hw/target/load.js";
import { summarizeTarget } from "../../hw/target/target.js";

interface TargetsArgs {
  json: boolean;
}

export const targetsCommand: CommandModule<object, TargetsArgs> = {
  command: "targets",
  describe: "List the bundled hardware targets (targets/*.xml) with a one-line summary",
  builder: (y) =>
    y
      .option("json", { type: "boolean", default: false, describe: "Print the full target objects as JSON" })
      .example("$0 targets", "one line per bundled target"),
  handler: (args) => {
    const targets = listTargets();
    if (args.json) {
      process.stdout.write(`${JSON.stringify(targets, null, 2)}\n`);
      return;
    }
    const width = Math.max(...targets.map((t) => t.id.length));
    for (const t of targets) process.stdout.write(`${t.id.padEnd(width)}  ${summarizeTarget(t)}\n`);
    process.stdout.write(`\nUse one with --target ID, or give a path to your own XML file (see targets/loihi1.xml).\n`);
  },
};
