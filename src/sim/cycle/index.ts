export { arithmeticOf, compileCycle, runCycle, simulateCycle } from "./engine.js";
export type { CycleArithmetic, CycleOptions, CycleProgram, CycleResult, CycleTrace } from "./engine.js";
export { simulateCycleBatch, sampleSize } from "./batch.js";
export type { CycleBatchResult } from "./batch.js";
export { decayTowardZero, wrapSigned, saturateSigned, clip, weightContribution } from "./arithmetic.js";
