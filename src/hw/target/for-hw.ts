/**
 * The target a lowered network (hw.json) runs on: the one it was lowered for, found from what hw.json records (a
 * bundled id, or the path of a custom target file) and checked by its digest (./digest.ts); `--target` may name it
 * again, or name the file at its new place, but never a different chip.
 */
import { existsSync } from "node:fs";
import type { HwNetwork } from "../network.js";
import { InputError } from "../../util/errors.js";
import { targetDigest } from "./digest.js";
import { loadTarget } from "./load.js";
import type { Target } from "./target.js";

/** `where`: the hw.json the network came from (for messages); `given`: the user's --target, if any. */
export function targetForHw(net: HwNetwork, where: string, given?: string): Target {
  const lowered = net.targetFile ? `target '${net.target}' (${net.targetFile})` : `target '${net.target}'`;
  if (given === undefined && net.targetFile !== undefined && !existsSync(net.targetFile))
    throw new InputError(`${where} was lowered for ${lowered}, and that file is gone`, "pass --target with the target file the network was compiled with");
  const target = loadTarget(given ?? net.targetFile ?? net.target);
  // hw.json written before digests were recorded: the id is all there is to check (src/hw/verify.ts does).
  if (net.targetDigest === undefined || targetDigest(target) === net.targetDigest) return target;
  throw new InputError(
    given === undefined
      ? `${where} was lowered for ${lowered}, but ${target.file} now describes a different chip (its numbers changed since)`
      : `${where} was lowered for ${lowered}; --target ${given} describes a different chip${target.id === net.target ? " under the same id" : ` ('${target.id}')`}`,
    given === undefined ? "recompile for the target as it is now, or pass --target with the file the network was compiled with" : "pass the target the network was compiled with, or recompile for this one",
  );
}
