export { reconcile } from "./reconcile.js";
export { ControllerLoop, wakeDelayMs } from "./loop.js";
export type { LoopOptions, PassOutcome } from "./loop.js";
export type * from "./types.js";
