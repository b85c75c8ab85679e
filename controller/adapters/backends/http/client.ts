import { BackendError, wireErrorOf } from "../../../model/index.js";
import { ConcurrencyLimiter } from "./limiter.js";
import type { RetryPolicy } from "./retry.js";
import { DEFAULT_RETRY, parseRetryAfter, retryDelayMs } from "./retry.js";

export interface PortalClientOptions {
  /** `http(s)://host[:port][/prefix]`, without credentials. */
  baseUrl: string;
  token: string;
  /** Per attempt, body included (default 10,000 ms). */
  timeoutMs?: number;
  /** Requests in flight at once (default 16). */
  concurrency?: number;
  retry?: Partial<RetryPolicy>;
  /** Injectable for tests; Node's global fetch by default. */
  fetch?: typeof fetch;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  /** Sent as `Idempotency-Key` on writes: the server answers a repeat with the first result. */
  idempotencyKey?: string;
  headers?: Record<string, string>;
}

export interface PortalResponse {
  status: number;
  body: unknown;
  /** The response's `ETag`, when it has one. */
  etag?: string;
}

/**
 * The wire layer of the HTTP backend: one JSON request with a timeout. Reads (GET) are retried
 * on 429, 5xx, timeouts and dropped connections with capped exponential backoff and full
 * jitter, honouring Retry-After. Writes are sent exactly once: the executor is the one layer
 * that retries them (with the same Idempotency-Key), so its journal counts every real call.
 * The token goes in the Authorization header only: it is never part of a message.
 */
export class PortalClient {
  private readonly base: string;
  private readonly retry: RetryPolicy;
  private readonly limiter: ConcurrencyLimiter;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: PortalClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, "");
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.limiter = new ConcurrencyLimiter(options.concurrency ?? 16);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  async request(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<PortalResponse> {
    const url = this.url(path, options.query);
    const what = `${method} ${path}`;
    const maxAttempts = method === "GET" ? this.retry.maxAttempts : 1;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.limiter.run(() => this.attempt(method, url, what, options));
      if (!(outcome instanceof BackendError)) return outcome;
      if (!outcome.transient || attempt >= maxAttempts) throw outcome;
      const delay = retryDelayMs(attempt, outcome.retryAfterSeconds, this.retry);
      if (delay === undefined) throw outcome;
      // Sleeping outside the limiter lets other calls use the slot meanwhile.
      await this.retry.sleep(delay);
    }
  }

  /** One attempt: a response, or the BackendError that describes its failure. */
  private async attempt(
    method: string,
    url: string,
    what: string,
    options: RequestOptions,
  ): Promise<PortalResponse | BackendError> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.options.token}`,
      accept: "application/json",
      ...options.headers,
    };
    if (options.idempotencyKey !== undefined) headers["idempotency-key"] = options.idempotencyKey;
    let payload: string | undefined;
    if (options.body !== undefined) {
      headers["content-type"] = "application/json";
      payload = JSON.stringify(options.body);
    }
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers,
        body: payload,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      return networkError(what, error, this.timeoutMs);
    }
    const body = parseBody(text);
    if (response.ok) {
      if (body === undefined && text !== "") {
        return new BackendError("bad-response", `${what}: the server answered invalid JSON`);
      }
      const etag = response.headers.get("etag");
      return etag === null
        ? { status: response.status, body }
        : { status: response.status, body, etag };
    }
    return httpError(what, response, body);
  }

  private url(path: string, query: RequestOptions["query"]): string {
    const url = new URL(this.base + path);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    return url.toString();
  }
}

function parseBody(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function httpError(what: string, response: Response, body: unknown): BackendError {
  const status = response.status;
  const detail = errorMessage(body) ?? response.statusText;
  const { backendCode, transient } = wireErrorOf(status, errorCode(body));
  return new BackendError(backendCode, `${what}: HTTP ${status}: ${detail}`, {
    transient,
    ...(transient
      ? { retryAfterSeconds: parseRetryAfter(response.headers.get("retry-after")) }
      : {}),
  });
}

function errorCode(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const error = (body as { error?: { code?: unknown } }).error;
  return typeof error?.code === "string" ? error.code : undefined;
}

function errorMessage(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const error = (body as { error?: { message?: unknown } }).error;
  return typeof error?.message === "string" ? error.message : undefined;
}

/** A timeout or a dropped connection: the request may or may not have reached the server. */
function networkError(what: string, error: unknown, timeoutMs: number): BackendError {
  const name = error instanceof Error ? error.name : "";
  if (name === "TimeoutError" || name === "AbortError") {
    return new BackendError("timeout", `${what}: no answer within ${timeoutMs} ms`, {
      transient: true,
    });
  }
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === "string" ? cause.code : "network";
  return new BackendError("unavailable", `${what}: connection failed (${code})`, {
    transient: true,
  });
}
