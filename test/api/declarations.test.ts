/**
 * The published declarations type-check in a strict consumer that does not skip library checks: they must not reach
 * the declarations of our own dependencies (onnx-proto's need protobufjs' global `Long`, which a consumer lacks).
 * The declarations are emitted fresh from src/ into a scratch folder, as `npm run build` would write them.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { expect, it } from "vitest";
import { scratchDir } from "../helpers/scratch.js";

const tsc = resolve("node_modules/typescript/bin/tsc");

/** Modules outside the package that the declarations reachable from index.d.ts import. */
function externalImports(entry: string): string[] {
  const seen = new Set<string>();
  const external = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const f = queue.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    for (const m of readFileSync(f, "utf8").matchAll(/from "([^"]+)"|import\("([^"]+)"\)/g)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith(".")) queue.push(join(dirname(f), spec).replace(/\.js$/, ".d.ts"));
      else external.add(spec);
    }
  }
  return [...external].sort();
}

it("index.d.ts reaches no dependency's declarations, and a strict consumer type-checks without skipLibCheck", () => {
  const out = scratchDir("spikec-dts-");
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.json", "--emitDeclarationOnly", "--outDir", join(out, "dist")], { stdio: "pipe" });
  expect(externalImports(join(out, "dist", "index.d.ts")).filter((m) => !m.startsWith("node:"))).toEqual([]);
  writeFileSync(
    join(out, "consumer.ts"),
    [
      `import { compile, simulateExact, loadNetwork, exportNir, InputError, type CompileOptions } from "./dist/index.js";`,
      `const options: CompileOptions = { model: "b1", margin: 0.5 };`,
      `const c = compile("m.onnx", "c.npy", options);`,
      `const n: number = c.report.totals.neurons;`,
      `console.log(n, simulateExact, loadNetwork, exportNir, InputError);`,
      ``,
    ].join("\n"),
  );
  const types = resolve("node_modules/@types");
  const args = [tsc, "--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--types", "node", "--typeRoots", types, join(out, "consumer.ts")];
  let output = "";
  try {
    execFileSync(process.execPath, args, { cwd: out, stdio: "pipe" });
  } catch (e) {
    output = String((e as { stdout?: Buffer }).stdout ?? e);
  }
  expect(output).toBe("");
}, 180_000);
