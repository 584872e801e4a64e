/** `spikec simulate DIR --input X.npy --output LOGITS.npy`: run a compiled network on inputs. */
import type { CommandModule } from "yargs";
import { loadSamples } from "../../compile.js";
import { writeNpy } from "../../io/npy.js";
import { inputOf, readoutOf } from "../../snn/network.js";
import { loadNetwork } from "../../snn/serialize.js";
import { prepareNetwork } from "../../sim/exact/prepare.js";
import { simulateExact } from "../../sim/exact/simulate.js";
import { product } from "../../ann/graph.js";
import { refuseOverwrite } from "../options.js";
import { progressFor } from "../progress.js";

interface SimulateArgs {
  dir: string;
  input: string;
  output: string;
  engine: "exact";
  json: boolean;
}

export const simulateCommand: CommandModule<object, SimulateArgs> = {
  command: "simulate <dir>",
  describe: "Run a compiled network on inputs and write the readout values (logits)",
  builder: (y) =>
    y
      .positional("dir", { type: "string", demandOption: true, describe: "Output folder of spikec compile" })
      .option("input", { type: "string", demandOption: true, describe: "Inputs (.npy, [N, …input shape])" })
      .option("output", { type: "string", demandOption: true, describe: "Where to write the logits (.npy, float64 [N, classes])" })
      .option("engine", { choices: ["exact"] as const, default: "exact" as const, describe: "Simulator: exact (continuous time, float64)" })
      .option("json", { type: "boolean", default: false, describe: "Print a JSON summary" })
      .example("$0 simulate out/lenet5 --input test_x.npy --output logits.npy", "writes logits.npy"),
  handler: (args) => {
    refuseOverwrite(args.output, [args.input]);
    const net = loadNetwork(args.dir);
    const { array, count } = loadSamples(args.input, inputOf(net).shape);
    const progress = progressFor(args.json);
    const prepared = prepareNetwork(net);
    const size = product(inputOf(net).shape);
    const classes = product(readoutOf(net).shape);
    const logits = new Float64Array(count * classes);
    const step = 128;
    let clipped = 0;
    for (let b0 = 0; b0 < count; b0 += step) {
      const nb = Math.min(step, count - b0);
      const r = simulateExact(net, array.data.subarray(b0 * size, (b0 + nb) * size), nb, { prepared });
      logits.set(r.logits, b0 * classes);
      clipped += r.clippedInputs;
      progress.update("simulate", b0 + nb, count);
    }
    progress.done();
    writeNpy(args.output, [count, classes], logits);
    const summary = { samples: count, classes, output: args.output, engine: args.engine, clippedInputs: clipped };
    if (args.json) process.stdout.write(JSON.stringify(summary) + "\n");
    else process.stdout.write(`simulated ${count} samples (${args.engine}); wrote ${args.output} [${count}, ${classes}]${clipped ? `; ${clipped} input values outside the input range were clipped` : ""}\n`);
  },
};
