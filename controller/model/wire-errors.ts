/**
 * The one error table of the Portal API's wire (`roster serve` answers with it, the HTTP
 * backend reads with it): each error code, its HTTP status, the BackendError code a client
 * raises for it, and whether retrying later may help. The body is always
 * `{ "error": { "code", "message" } }`.
 */
export const WIRE_ERRORS = [
  { code: "bad-request", status: 400, backendCode: "invalid", transient: false },
  { code: "unauthenticated", status: 401, backendCode: "unauthenticated", transient: false },
  { code: "forbidden", status: 403, backendCode: "forbidden", transient: false },
  { code: "not-found", status: 404, backendCode: "not-found", transient: false },
  { code: "method-not-allowed", status: 405, backendCode: "invalid", transient: false },
  { code: "conflict", status: 409, backendCode: "conflict", transient: false },
  /** An invitation that expired or was already used. */
  { code: "gone", status: 410, backendCode: "gone", transient: false },
  /** An `If-Match` precondition failed: someone else wrote; observe again and re-plan. */
  {
    code: "precondition-failed",
    status: 412,
    backendCode: "precondition-failed",
    transient: false,
  },
  { code: "payload-too-large", status: 413, backendCode: "invalid", transient: false },
  { code: "unsupported-media-type", status: 415, backendCode: "invalid", transient: false },
  { code: "invalid", status: 422, backendCode: "invalid", transient: false },
  { code: "rate-limited", status: 429, backendCode: "rate-limited", transient: true },
  { code: "internal", status: 500, backendCode: "unavailable", transient: true },
  /** The SQLite file is locked by another process. */
  { code: "busy", status: 503, backendCode: "unavailable", transient: true },
] as const;

export type WireError = (typeof WIRE_ERRORS)[number];
export type WireErrorCode = WireError["code"];

const BY_CODE = new Map<string, WireError>(WIRE_ERRORS.map((e) => [e.code, e]));

/** The entry for a wire code (the server's side), undefined for a code not in the table. */
export function wireErrorByCode(code: string): WireError | undefined {
  return BY_CODE.get(code);
}

/**
 * What a client makes of an error answer: the body's code when it is one of the table's and
 * agrees with the status, else the status alone (a proxy's 502 has no body of ours).
 */
export function wireErrorOf(
  status: number,
  code?: string,
): { backendCode: string; transient: boolean } {
  const byCode = code === undefined ? undefined : BY_CODE.get(code);
  if (byCode && byCode.status === status) return byCode;
  const byStatus = WIRE_ERRORS.find((e) => e.status === status);
  if (byStatus) return byStatus;
  if (status >= 500) return { backendCode: "unavailable", transient: true };
  return { backendCode: "http-error", transient: false };
}
