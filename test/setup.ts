/**
 * Property tests run with a fixed seed so that a CI run is reproducible: the same cases every time. To explore new
 * cases locally, run with SPIKEC_FC_SEED=<n> (or "random").
 */
import fc from "fast-check";

const env = process.env.SPIKEC_FC_SEED;
if (env !== "random") fc.configureGlobal({ seed: env ? Number(env) : 20261127 });

// Scratch directories made by a test file are removed when it ends.
import { afterAll } from "vitest";
import { removeScratchDirs } from "./helpers/scratch.js";
afterAll(removeScratchDirs);
