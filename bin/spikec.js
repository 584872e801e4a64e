#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm ci` (the `prepare` script).
import { main } from "../dist/cli/main.js";

// A reader that stopped early (spikec … | head): what is left to print has nowhere to go. Drop it quietly, and let
// the command finish its files and return its own exit code (an unhandled EPIPE would end it with a stack trace and
// exit 1, which is verify's "does not match").
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e) => {
    if (e.code !== "EPIPE") throw e;
    stream.write = () => true;
  });
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
