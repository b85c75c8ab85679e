import type { ServerResponse } from "node:http";
import { BackendError, wireErrorByCode } from "../../model/index.js";

/** Every error leaves the API as `{ "error": { "code", "message" } }`, by the one wire table. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;

  constructor(code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = wireErrorByCode(code)?.status ?? 500;
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
  // The store's BackendError codes (forbidden, not-found, conflict, invalid, gone, busy,
  // precondition-failed) are wire codes of the same name.
  if (error instanceof BackendError && wireErrorByCode(error.code) && error.code !== "internal") {
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
