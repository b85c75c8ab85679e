import { BackendError } from "../../../model/index.js";
import { redactSecrets } from "../../redact.js";

/** What matters of a client-library error, read structurally (no SDK type crosses this line). */
export interface GoogleErrorInfo {
  /** HTTP status, when the server answered. */
  status?: number;
  /** `error.errors[].reason` of Google's JSON error body, e.g. `rateLimitExceeded`. */
  reasons: string[];
  message: string;
  retryAfterSeconds?: number;
  /** A socket-level failure (ECONNRESET, ETIMEDOUT…): the server never answered. */
  network?: string;
}

/** FACTS: over quota, Google answers 403 with one of these reasons, or 429. */
const RATE_REASONS = new Set(["rateLimitExceeded", "userRateLimitExceeded"]);

export function readGoogleError(error: unknown): GoogleErrorInfo {
  if (!(error instanceof Error)) return { reasons: [], message: String(error) };
  const shaped = error as Error & {
    status?: unknown;
    code?: unknown;
    response?: { status?: unknown; headers?: unknown; data?: unknown };
  };
  const status = numberOr(shaped.response?.status) ?? numberOr(shaped.status);
  const data = shaped.response?.data;
  const info: GoogleErrorInfo = {
    reasons: reasonsOf(data),
    message: redactSecrets(messageOf(data) ?? error.message),
  };
  if (status !== undefined) info.status = status;
  const retryAfter = retryAfterOf(shaped.response?.headers);
  if (retryAfter !== undefined) info.retryAfterSeconds = retryAfter;
  if (status === undefined && typeof shaped.code === "string") info.network = shaped.code;
  return info;
}

export function isRateLimited(info: GoogleErrorInfo): boolean {
  return (
    info.status === 429 || (info.status === 403 && info.reasons.some((r) => RATE_REASONS.has(r)))
  );
}

/** Transient: retried by the backend (reads) or by the executor (writes); the rest needs a human. */
export function toBackendError(error: unknown, what: string): BackendError {
  if (error instanceof BackendError) return error;
  const info = readGoogleError(error);
  const retry =
    info.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: info.retryAfterSeconds };
  if (isRateLimited(info)) {
    return new BackendError(
      "rate-limited",
      `Google rate limit while trying to ${what} (${info.message}); retry later`,
      { transient: true, ...retry },
    );
  }
  if (info.status === undefined) {
    const transient = info.network !== undefined;
    return new BackendError(
      transient ? "network" : "google-error",
      `could not ${what}: ${info.message}`,
      { transient },
    );
  }
  if (info.status >= 500 || info.status === 408) {
    return new BackendError(
      "unavailable",
      `Google answered ${info.status} while trying to ${what} (${info.message}); retry later`,
      { transient: true, ...retry },
    );
  }
  const [code, hint] = CLIENT_ERRORS[info.status] ?? ["google-error", ""];
  return new BackendError(
    code,
    `Google answered ${info.status} while trying to ${what}: ${info.message}${hint}`,
  );
}

const CREDENTIALS_HINT =
  " (check the service account key, the admin it impersonates, and the scopes granted to it " +
  "under domain-wide delegation: see docs/google.md)";

const CLIENT_ERRORS: Record<number, [string, string]> = {
  400: ["invalid", ""],
  401: ["unauthenticated", CREDENTIALS_HINT],
  403: ["forbidden", CREDENTIALS_HINT],
  404: ["not-found", ""],
  409: ["conflict", ""],
  412: ["conflict", ""],
};

function numberOr(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** Google's JSON error: `{ error: { code, message, errors: [{ reason, message }] } }`. */
function reasonsOf(data: unknown): string[] {
  const errors = errorObject(data)?.errors;
  if (!Array.isArray(errors)) return [];
  return errors.flatMap((e: unknown) =>
    typeof e === "object" && e !== null && typeof (e as { reason?: unknown }).reason === "string"
      ? [(e as { reason: string }).reason]
      : [],
  );
}

function messageOf(data: unknown): string | undefined {
  const error = errorObject(data);
  if (typeof error?.message === "string") return error.message;
  // An OAuth token endpoint error: `{ error: "invalid_grant", error_description: "…" }`.
  if (typeof data === "object" && data !== null) {
    const oauth = data as { error?: unknown; error_description?: unknown };
    if (typeof oauth.error === "string") {
      return typeof oauth.error_description === "string"
        ? `${oauth.error}: ${oauth.error_description}`
        : oauth.error;
    }
  }
  return undefined;
}

function errorObject(data: unknown): { message?: unknown; errors?: unknown } | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const error = (data as { error?: unknown }).error;
  return typeof error === "object" && error !== null ? (error as { message?: unknown }) : undefined;
}

/** `Retry-After`: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterOf(headers: unknown, now: number = Date.now()): number | undefined {
  const raw = headerValue(headers, "retry-after");
  if (raw === undefined) return undefined;
  if (/^\d+$/.test(raw.trim())) return Number(raw.trim());
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

function headerValue(headers: unknown, name: string): string | undefined {
  if (typeof headers !== "object" || headers === null) return undefined;
  const getter = (headers as { get?: unknown }).get;
  if (typeof getter === "function") {
    const value: unknown = getter.call(headers, name);
    return typeof value === "string" ? value : undefined;
  }
  const value = (headers as Record<string, unknown>)[name];
  return typeof value === "string" ? value : undefined;
}
