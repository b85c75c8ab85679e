export { applyPlan, UnsafePlanError } from "./apply-plan.js";
export { idempotencyKey } from "./idempotency.js";
export { legacyManaged } from "./legacy-managed.js";
export { Preconditions } from "./preconditions.js";
export { backoffDelay, withRetry } from "./retry.js";
export type { ApplyOptions, RetryOptions, StepResult } from "./types.js";
