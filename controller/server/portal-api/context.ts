import type { PortalStore } from "../../adapters/backends/sqlite/store.js";
import type {
  Actor,
  WriteOptions,
  WriteResult,
} from "../../adapters/backends/sqlite/store-types.js";
import type { Principal } from "./auth.js";
import type { Route } from "./router.js";

/** What a route handler receives: the request, parsed and authenticated. */
export interface HandlerContext {
  store: PortalStore;
  /** null only on routes that take no key (accepting an invitation: the token is the authority). */
  principal: Principal | null;
  actor: Actor;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  /** Audit details and the idempotency key (namespaced per API key) for the store's write. */
  write: WriteOptions;
}

export interface Reply {
  status: number;
  body: unknown;
  /** Extra response headers (an `ETag`). */
  headers?: Record<string, string>;
}

export type Handler = (ctx: HandlerContext) => Reply | Promise<Reply>;

/**
 * A coarse check on the caller's current role before the handler runs, from the seed's matrix
 * (R9), so that a member's key gets 403 on a management route whatever its body holds. The
 * store re-checks inside its transaction and alone decides body-dependent rules (R4).
 * - `none`: no key (the invitation token is the authority);
 * - `member`: any key of the organization;
 * - `manage`: invite and remove users (R3); `audit`: view audit logs; `create-keys`: create API
 *   keys; `owner`: transfer ownership (R5); `system`: the bootstrap token only.
 */
export type Requirement =
  | "none"
  | "member"
  | "manage"
  | "audit"
  | "create-keys"
  | "owner"
  | "system";

export interface ApiRoute extends Route {
  handler: Handler;
  operationId: string;
  requires: Requirement;
  /** Writes take `Idempotency-Key` and a JSON body. */
  write: boolean;
  /**
   * The write takes `If-Match: "<version>"` (the record it changes) or `If-None-Match: *`
   * (there is no such record yet); other routes refuse both rather than ignore them.
   */
  conditional: boolean;
}

/**
 * A write's answer. A replay (the same Idempotency-Key again) answers the first outcome, marked
 * `replayed`, with no second effect; secrets shown once (an API key) are not in a replay.
 */
export function writeReply(result: WriteResult, createdStatus = 200): Reply {
  const { replayed, firstOutcome, ...rest } = result;
  const outcome = replayed === true ? (firstOutcome ?? "noop") : result.outcome;
  const status = outcome === "applied" ? createdStatus : 200;
  const reply: Reply = { status, body: { ...rest, outcome, replayed: replayed === true } };
  if (result.version !== undefined) reply.headers = { etag: etag(result.version) };
  return reply;
}

/** A strong entity tag of a record version (RFC 9110 §8.8.3): the version, quoted. */
export function etag(version: string): string {
  return `"${version}"`;
}
