import http from "node:http";
import type { PortalStore } from "../../adapters/backends/sqlite/store.js";
import type { WriteOptions } from "../../adapters/backends/sqlite/store-types.js";
import { createAcceptPage } from "../accept-page/accept-handler.js";
import type { Principal } from "./auth.js";
import { actorOf, authenticate, hashOf, scopeOf } from "./auth.js";
import { DEFAULT_MAX_BODY_BYTES, readJsonBody } from "./body.js";
import { readCondition, writePrecondition } from "./conditional-headers.js";
import type { ApiRoute, Reply } from "./context.js";
import { authorize } from "./permissions.js";
import { ApiError, sendError, sendJson, toApiError } from "./errors.js";
import { TokenBucketLimiter } from "./rate-limit.js";
import { ROUTES } from "./route-table.js";
import { Router } from "./router.js";

export interface PortalApiOptions {
  store: PortalStore;
  /** Request bodies above this get 413 (default 64 KiB). */
  maxBodyBytes?: number;
  /** Per member, whichever of their keys they use (default 50 requests/s, bursts of 100). */
  rateLimit?: { ratePerSecond: number; burst: number };
  /**
   * Failed authentications per client address (default 1/s, bursts of 20): once spent, the
   * address gets 429 before its credentials are even looked at, so guessing keys is slow.
   */
  authFailureLimit?: { ratePerSecond: number; burst: number };
  /** A token with system authority (creates organizations); compared by hash, never logged. */
  bootstrapToken?: string;
  /** Injectable clock for the rate limiter (ms). */
  now?: () => number;
  /** Told about 500s (the CLI logs them); never given a request's credentials. */
  onInternalError?: (error: unknown, where: string) => void;
}

export const DEFAULT_RATE_LIMIT = { ratePerSecond: 50, burst: 100 };
export const DEFAULT_AUTH_FAILURE_LIMIT = { ratePerSecond: 1, burst: 20 };

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** The Portal team API as a node:http request listener (`roster serve` binds it). */
export function createPortalApi(options: PortalApiOptions): http.RequestListener {
  const router = new Router<ApiRoute>(ROUTES);
  const limiter = new TokenBucketLimiter({
    ...(options.rateLimit ?? DEFAULT_RATE_LIMIT),
    now: options.now,
  });
  const failures = new TokenBucketLimiter({
    ...(options.authFailureLimit ?? DEFAULT_AUTH_FAILURE_LIMIT),
    now: options.now,
  });
  const bootstrapHash =
    options.bootstrapToken === undefined ? undefined : hashOf(options.bootstrapToken);
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const match = router.match(req.method ?? "GET", url.pathname);
    const route = match.route;
    const address = `addr:${req.socket.remoteAddress ?? ""}`;
    const principal =
      route.requires === "none" ? null : authenticateLimited(req, address, failures);
    const decision = limiter.take(principal === null ? `anon:${address}` : bucketOf(principal));
    if (!decision.allowed) {
      throw new ApiError("rate-limited", "too many requests for this caller: slow down", {
        "retry-after": String(decision.retryAfterSeconds),
      });
    }
    const write = route.write ? writeOptions(req, principal, route.conditional) : {};
    const judge = route.write ? undefined : readCondition(req, route.conditional);
    // A retry of a write that committed is answered from the store's record, with no effect,
    // even if the first attempt changed the caller's own role (a transfer makes the owner admin).
    const replay =
      write.idempotencyKey !== undefined &&
      options.store.hasIdempotencyRecord(write.idempotencyKey);
    authorize(route, principal, match.params, { scopeOnly: replay });
    const body = route.write ? await readJsonBody(req, maxBody) : undefined;
    const answer: Reply = await route.handler({
      store: options.store,
      principal,
      actor: principal === null ? { kind: "system", name: "anonymous" } : actorOf(principal),
      params: match.params,
      query: url.searchParams,
      body,
      write,
    });
    const reply = judge === undefined ? answer : judge(answer);
    if (reply.status === 304) {
      res.writeHead(304, { "cache-control": "no-store", ...reply.headers });
      res.end();
      return;
    }
    const replayed = (reply.body as { replayed?: unknown } | null)?.replayed === true;
    sendJson(res, reply.status, reply.body, {
      ...reply.headers,
      ...(replayed ? { "idempotent-replayed": "true" } : {}),
    });
  };

  /** Refuses an address that spent its failed authentications before reading its credential. */
  const authenticateLimited = (
    req: http.IncomingMessage,
    address: string,
    limiter: TokenBucketLimiter,
  ): Principal => {
    if (!limiter.available(address)) {
      throw new ApiError("rate-limited", "too many failed authentications from this address", {
        "retry-after": String(limiter.retryAfter(address)),
      });
    }
    try {
      return authenticate(req, options.store, bootstrapHash);
    } catch (error) {
      if (error instanceof ApiError && error.code === "unauthenticated") limiter.take(address);
      throw error;
    }
  };

  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      const apiError = toApiError(error);
      if (apiError.status === 500) {
        options.onInternalError?.(error, `${req.method ?? "?"} ${req.url?.split("?")[0] ?? ""}`);
      }
      // A body cut off at the cap was not read to its end: the connection cannot be reused.
      if (apiError.status === 413) apiError.headers.connection = "close";
      if (res.headersSent) res.destroy();
      else sendError(res, apiError);
    });
  };
}

/** One rate-limit bucket per member of an organization, however many keys they hold. */
function bucketOf(principal: Principal): string {
  return principal.kind === "system" ? "bootstrap" : `member:${principal.org}:${principal.email}`;
}

/**
 * The store's write options: the client's Idempotency-Key, namespaced per API key so two
 * clients choosing the same key never see each other's results; audit details from
 * X-Roster-Reason / X-Roster-Revision / X-Roster-Actor (percent-encoded UTF-8).
 */
function writeOptions(
  req: http.IncomingMessage,
  principal: Principal | null,
  conditional: boolean,
): WriteOptions {
  const options: WriteOptions = {};
  const expect = writePrecondition(req, conditional);
  if (expect !== undefined) options.expect = expect;
  const key = header(req, "idempotency-key");
  if (key !== undefined) {
    if (!IDEMPOTENCY_KEY.test(key)) {
      throw new ApiError(
        "bad-request",
        "Idempotency-Key must be 1 to 200 visible ASCII characters",
      );
    }
    options.idempotencyKey = `http:${scopeOf(principal)}:${key}`;
  }
  const reason = decoded(req, "x-roster-reason");
  const actor = decoded(req, "x-roster-actor");
  const revision = decoded(req, "x-roster-revision");
  if (reason !== undefined || actor !== undefined) {
    options.reason = [reason, actor === undefined ? undefined : `(via ${actor})`]
      .filter((part) => part !== undefined)
      .join(" ");
  }
  if (revision !== undefined) options.revision = revision;
  return options;
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function decoded(req: http.IncomingMessage, name: string): string | undefined {
  const value = header(req, name);
  if (value === undefined || value === "") return undefined;
  let text: string;
  try {
    text = decodeURIComponent(value);
  } catch {
    throw new ApiError("bad-request", `${name} must be percent-encoded UTF-8`);
  }
  // Stored in the audit trail and shown to auditors: no line breaks, no terminal escapes.
  if (CONTROL.test(text)) {
    throw new ApiError("bad-request", `${name} must not contain control characters`);
  }
  return text.slice(0, 500);
}

/**
 * A server with the API mounted under /v1 and the invitation accept page at /accept; `listen`
 * it yourself (port 0 in tests).
 */
export function createPortalServer(options: PortalApiOptions): http.Server {
  const api = createPortalApi(options);
  const acceptPage = createAcceptPage(options.store);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    acceptPage(req, res, url).then(
      (served) => {
        if (!served) api(req, res);
      },
      (error: unknown) => {
        options.onInternalError?.(error, `${req.method ?? "?"} /accept`);
        if (res.headersSent) res.destroy();
        else
          res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end("internal error");
      },
    );
  });
  // Slow clients may not hold a connection open forever (slowloris).
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  return server;
}
