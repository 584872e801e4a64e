/** An error a user can act on, as the CLI prints it on stderr: "spikec: message", then "  try: hint". */
import type { SpikecError } from "../util/errors.js";

export function printError(e: SpikecError): void {
  process.stderr.write(`spikec: ${e.describe()}\n`);
}
