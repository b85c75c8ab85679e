import { BackendError } from "../../../model/index.js";

/**
 * The codes PortalStore throws (never transient: each needs a different request, not a retry).
 * Each is a wire code of the same name (model/wire-errors.ts), which `roster serve` answers with.
 */
export const STORE_ERRORS = [
  "invalid",
  "unauthenticated",
  "forbidden",
  "not-found",
  "conflict",
  /** An invitation that expired or was already used. */
  "gone",
  /** A conditional write (`expect`) found the record changed since it was observed. */
  "precondition-failed",
] as const;

export type StoreErrorCode = (typeof STORE_ERRORS)[number];

export function storeError(code: StoreErrorCode, message: string): BackendError {
  return new BackendError(code, message);
}
