import type { CommandModule } from "yargs";
import { nirCommand } from "./nir.js";
import { targetsCommand } from "./targets.js";

// Every command module, in the order `spikec --help` lists them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [targetsCommand, nirCommand];
