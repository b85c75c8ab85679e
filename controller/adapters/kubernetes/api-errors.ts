import { ApiException } from "@kubernetes/client-node";

/** The HTTP status of a failed API call (ApiException or a watch error), if it carries one. */
export function apiStatusCode(error: unknown): number | undefined {
  if (error instanceof ApiException) return error.code;
  if (typeof error === "object" && error !== null) {
    const e = error as { statusCode?: unknown; code?: unknown };
    if (typeof e.statusCode === "number") return e.statusCode;
    if (typeof e.code === "number") return e.code;
  }
  return undefined;
}

/**
 * A one-line description of an API failure. ApiException's own message embeds every response
 * header and the raw body; the Status object's reason and message are what an operator needs.
 */
export function describeApiError(error: unknown): string {
  if (error instanceof ApiException) {
    const body = parseBody(error.body);
    const reason = typeof body?.reason === "string" ? ` ${body.reason}` : "";
    const message = typeof body?.message === "string" ? `: ${body.message}` : "";
    return `Kubernetes API ${error.code}${reason}${message}`;
  }
  return error instanceof Error ? error.message : String(error);
}

function parseBody(body: unknown): Record<string, unknown> | undefined {
  if (typeof body === "string") {
    try {
      return JSON.parse(body) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
  return typeof body === "object" && body !== null ? (body as Record<string, unknown>) : undefined;
}

/** Conflicts, throttling, server errors and network failures are worth a retry; the rest is not. */
export function isTransientApiError(error: unknown): boolean {
  const code = apiStatusCode(error);
  if (code === undefined) return true;
  return code === 409 || code === 429 || code >= 500;
}
