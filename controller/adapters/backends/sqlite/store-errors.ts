import { BackendError } from "../../../model/index.js";

/**
 * The codes PortalStore throws (never transient: each needs a different request, not a retry).
 * `httpStatus` is the natural mapping for the HTTP API that serves this store.
 */
export const STORE_ERRORS = {
  invalid: { httpStatus: 400 },
  unauthenticated: { httpStatus: 401 },
  forbidden: { httpStatus: 403 },
  "not-found": { httpStatus: 404 },
  conflict: { httpStatus: 409 },
  /** An invitation that expired or was already used. */
  gone: { httpStatus: 410 },
  /** A conditional write (`expect`) found the record changed since it was observed. */
  "precondition-failed": { httpStatus: 412 },
} as const;

export type StoreErrorCode = keyof typeof STORE_ERRORS;

export function storeError(code: StoreErrorCode, message: string): BackendError {
  return new BackendError(code, message);
}

export function httpStatusOf(error: unknown): number {
  if (error instanceof BackendError && error.code in STORE_ERRORS) {
    return STORE_ERRORS[error.code as StoreErrorCode].httpStatus;
  }
  return 500;
}
