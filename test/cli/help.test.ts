/**
 * Every command (and subcommand) answers --help with a description, and every leaf command shows at least one
 * example; a bad command line ends with what to try next.
 */
import { describe, expect, it } from "vitest";
import { commandPaths, helpText } from "../../src/cli/docs.js";
import { commands } from "../../src/cli/commands/index.js";
import { runCli } from "../helpers/cli.js";

describe("--help", () => {
  it("every command has help; every leaf command has an example", async () => {
    const all = await commandPaths();
    const top = commands.map((c) => String(c.command).split(" ")[0]);
    expect(all.filter((c) => c.path.length === 1).map((c) => c.path[0])).toEqual(top);
    for (const { path, help } of all) {
      const name = `spikec ${path.join(" ")}`;
      expect(help.startsWith(name), name).toBe(true);
      expect(help, name).toContain("--help");
      const parent = all.some((c) => c.path.length === path.length + 1 && c.path.slice(0, path.length).join(" ") === path.join(" "));
      if (!parent) expect(help, `${name} --help shows no example`).toMatch(/\nExamples:\n {2}spikec /);
    }
  });

  it("spikec --help lists every command with its description", async () => {
    const root = await helpText([]);
    for (const c of commands) expect(root).toContain(`spikec ${String(c.command)}`);
  });
});

describe("errors end with what to try", () => {
  const cases: [string, string[]][] = [
    ["no command", []],
    ["unknown command", ["compyle"]],
    ["unknown option", ["report", "x", "--colour"]],
    ["missing required option", ["compile", "test/fixtures/mlp_digits.onnx"]],
    ["missing file", ["compile", "nope.onnx", "--calib", "nope.npy"]],
    ["missing report", ["report", "nowhere"]],
  ];
  for (const [what, args] of cases) {
    it(what, async () => {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^spikec: /);
      expect(r.stderr.trimEnd().split("\n").pop()).toMatch(/^ {2}try: \S/);
    });
  }
});
