export { reconcile } from "./reconcile.js";
export { ControllerLoop, wakeDelayMs } from "./loop.js";
export type { LoopOptions, PassOutcome } from "./loop.js";
export type * from "./types.js";
export { decideOrg, decidePass, workOutcome } from "./decision.js";
export type { Decision } from "./decision.js";
export { WorkQueue } from "./work-queue.js";
export type { WorkOutcome, WorkQueueOptions } from "./work-queue.js";
