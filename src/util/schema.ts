/**
 * JSON Schema validation (ajv, draft 2020-12) of the project's file formats; schemas live in schemas/ at the package
 * root, found relative to this module so that it works from src/ (tests) and dist/ (the installed CLI).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv";
import { InputError } from "./errors.js";

export const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export function schemaPath(name: string): string {
  return `${PACKAGE_ROOT}schemas/${name}`;
}

/** Schemas another one refers to by $id (report.json's fit section is a fit report; report data shares its verification). */
const REFERENCED: Record<string, string[]> = {
  "report.schema.json": ["fit-report.schema.json"],
  "report-data.schema.json": ["report.schema.json", "fit-report.schema.json"],
};

/** Compiles a schema from schemas/NAME (each call compiles anew: no module-level cache, no global state). */
export function compileSchema(name: string): ValidateFunction {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  for (const other of REFERENCED[name] ?? []) ajv.addSchema(JSON.parse(readFileSync(schemaPath(other), "utf8")));
  return ajv.compile(JSON.parse(readFileSync(schemaPath(name), "utf8")));
}

/** Throws an InputError naming the file, the JSON path and the rule of the first few violations. */
export function validateOrThrow(validate: ValidateFunction, doc: unknown, file: string, hint: string): void {
  if (validate(doc)) return;
  const errors = (validate.errors ?? []).slice(0, 5).map((e) => `  at ${e.instancePath || "/"}: ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ""}`);
  throw new InputError(`${file} does not follow its schema:\n${errors.join("\n")}`, hint);
}
