import type { CommandModule } from "yargs";
import { compileCommand } from "./compile.js";
import { inspectCommand } from "./inspect.js";
import { nirCommand } from "./nir.js";
import { simulateCommand } from "./simulate.js";
import { verifyCommand } from "./verify.js";
import { targetsCommand } from "./targets.js";
import { reportCommand } from "./report.js";
import { exportCommand } from "./export.js";
import { importCommand } from "./import.js";
import { fitCommand } from "./fit.js";

// Every command module, in the order `spikec --help` lists them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [compileCommand, simulateCommand, verifyCommand, targetsCommand, inspectCommand, nirCommand, reportCommand, exportCommand, importCommand, fitCommand];
