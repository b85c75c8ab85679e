import type { ServerResponse } from "node:http";
import { BackendError } from "../../model/index.js";

/**
 * Every error leaves the API as `{ "error": { "code", "message" } }` with one of these codes.
 * The store's BackendError codes (forbidden, not-found, conflict, invalid) keep their names.
 */
const STATUS_BY_CODE: Record<string, number> = {
  "bad-request": 400,
  unauthenticated: 401,
  forbidden: 403,
  "not-found": 404,
  "method-not-allowed": 405,
  conflict: 409,
  /** An invitation that expired or was already used. */
  gone: 410,
  /** `If-Match` / `If-None-Match` did not hold: the record changed since the caller read it. */
  "precondition-failed": 412,
  "payload-too-large": 413,
  "unsupported-media-type": 415,
  invalid: 422,
  "idempotency-key-reused": 422,
  "rate-limited": 429,
  internal: 500,
  /** The SQLite file is locked by another process: transient. */
  busy: 503,
};

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;

  constructor(code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = STATUS_BY_CODE[code] ?? 500;
    this.headers = headers;
  }
}

export interface ErrorBody {
  error: { code: string; message: string };
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

/** Maps anything a handler threw to a status and the one error shape. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof BackendError && error.code in STATUS_BY_CODE && error.code !== "internal") {
    return new ApiError(error.code, error.message, error.transient ? { "retry-after": "1" } : {});
  }
  return new ApiError("internal", "internal error");
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(text)),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: ApiError): void {
  sendJson(res, error.status, errorBody(error.code, error.message), error.headers);
}
