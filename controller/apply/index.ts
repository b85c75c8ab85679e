export { applyPlan, UnsafePlanError } from "./apply-plan.js";
export { idempotencyKey } from "./idempotency.js";
export { legacyManaged } from "./legacy-managed.js";
export { Preconditions } from "./preconditions.js";
export { backoffDelay, withRetry } from "./retry.js";
export type { ApplyOptions, RetryOptions, StepResult } from "./types.js";
export { recoverIntents, STALE_INTENT_MS } from "./recover-intents.js";
export type { RecoveryOptions, RecoveryReport } from "./recover-intents.js";
