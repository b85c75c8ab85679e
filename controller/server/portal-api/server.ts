import http from "node:http";
import type { PortalStore } from "../../adapters/backends/sqlite/store.js";
import type { WriteOptions } from "../../adapters/backends/sqlite/store-types.js";
import { createAcceptPage } from "../accept-page/accept-handler.js";
import type { Principal } from "./auth.js";
import { actorOf, authenticate, hashOf, scopeOf } from "./auth.js";
import { DEFAULT_MAX_BODY_BYTES, readJsonBody } from "./body.js";
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
  /** Per API key (default 50 requests/s sustained, bursts of 100). */
  rateLimit?: { ratePerSecond: number; burst: number };
  /** A token with system authority (creates organizations); compared by hash, never logged. */
  bootstrapToken?: string;
  /** Injectable clock for the rate limiter (ms). */
  now?: () => number;
  /** Told about 500s (the CLI logs them); never given a request's credentials. */
  onInternalError?: (error: unknown, where: string) => void;
}

export const DEFAULT_RATE_LIMIT = { ratePerSecond: 50, burst: 100 };

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/** The Portal team API as a node:http request listener (`roster serve` binds it). */
export function createPortalApi(options: PortalApiOptions): http.RequestListener {
  const router = new Router<ApiRoute>(ROUTES);
  const limiter = new TokenBucketLimiter({
    ...(options.rateLimit ?? DEFAULT_RATE_LIMIT),
    now: options.now,
  });
  const bootstrapHash =
    options.bootstrapToken === undefined ? undefined : hashOf(options.bootstrapToken);
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const match = router.match(req.method ?? "GET", url.pathname);
    const route = match.route;
    const principal =
      route.requires === "none" ? null : authenticate(req, options.store, bootstrapHash);
    const bucket =
      principal === null ? `anon:${req.socket.remoteAddress ?? ""}` : scopeOf(principal);
    const decision = limiter.take(bucket);
    if (!decision.allowed) {
      throw new ApiError("rate-limited", "too many requests for this API key: slow down", {
        "retry-after": String(decision.retryAfterSeconds),
      });
    }
    const write = route.write ? writeOptions(req, principal, route.conditional) : {};
    // A retry of a write that committed is answered from the store's record, with no effect,
    // even if the first attempt changed the caller's own role (a transfer makes the owner admin).
    const replay =
      write.idempotencyKey !== undefined &&
      options.store.hasIdempotencyRecord(write.idempotencyKey);
    if (!replay) authorize(route, principal, match.params);
    const body = route.write ? await readJsonBody(req, maxBody) : undefined;
    const reply: Reply = await route.handler({
      store: options.store,
      principal,
      actor: principal === null ? { kind: "system", name: "anonymous" } : actorOf(principal),
      params: match.params,
      query: url.searchParams,
      body,
      write,
    });
    const replayed = (reply.body as { replayed?: unknown } | null)?.replayed === true;
    sendJson(res, reply.status, reply.body, {
      ...reply.headers,
      ...(replayed ? { "idempotent-replayed": "true" } : {}),
    });
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
  const expect = precondition(req, conditional);
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

/**
 * `If-Match: "<version>"` (one strong tag, as ETag gave it) or `If-None-Match: *` (no such
 * record yet), RFC 9110 §13.1. Both are optional: a client that sends neither writes
 * unconditionally, as the Portal's UI does. A mismatch is the store's 412.
 */
function precondition(
  req: http.IncomingMessage,
  conditional: boolean,
): WriteOptions["expect"] | undefined {
  const ifMatch = header(req, "if-match");
  const ifNoneMatch = header(req, "if-none-match");
  if (ifMatch === undefined && ifNoneMatch === undefined) return undefined;
  if (!conditional) {
    throw new ApiError("bad-request", "this route takes no If-Match or If-None-Match");
  }
  if (ifMatch !== undefined && ifNoneMatch !== undefined) {
    throw new ApiError("bad-request", "send If-Match or If-None-Match, not both");
  }
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== "*") {
      throw new ApiError("bad-request", 'If-None-Match takes only "*" (no such record yet)');
    }
    return { absent: true };
  }
  const tag = /^\s*"([\x21\x23-\x7e]{1,64})"\s*$/.exec(ifMatch ?? "");
  if (!tag) {
    throw new ApiError(
      "bad-request",
      'If-Match takes one strong entity tag as the ETag header gave it, e.g. If-Match: "42"',
    );
  }
  return { version: tag[1] as string };
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function decoded(req: http.IncomingMessage, name: string): string | undefined {
  const value = header(req, name);
  if (value === undefined || value === "") return undefined;
  try {
    return decodeURIComponent(value).slice(0, 500);
  } catch {
    throw new ApiError("bad-request", `${name} must be percent-encoded UTF-8`);
  }
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
