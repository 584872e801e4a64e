/** docs/commands.md is generated from the CLI definitions; this fails when someone changed a command but not the doc. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COMMANDS_DOC, commandReference } from "../../src/cli/docs.js";

describe("docs/commands.md", () => {
  it("is up to date with the CLI (run `npm run docs` to regenerate it)", async () => {
    const expected = await commandReference();
    const actual = readFileSync(COMMANDS_DOC, "utf8");
    if (actual !== expected) {
      const a = actual.split("\n");
      const e = expected.split("\n");
      const line = e.findIndex((l, i) => l !== a[i]);
      throw new Error(`${COMMANDS_DOC} is stale (first difference at line ${line + 1}: expected "${e[line]}", found "${a[line]}"); run \`npm run docs\` and commit the result`);
    }
    expect(actual).toContain("## spikec compile");
  });
});
