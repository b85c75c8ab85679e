import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Role } from "../../model/index.js";
import type { Actor } from "../../adapters/backends/sqlite/store-types.js";
import type { PortalStore } from "../../adapters/backends/sqlite/store.js";
import { ApiError } from "./errors.js";

/** Who a request comes from, as the server authenticated it. */
export type Principal =
  | { kind: "user"; keyId: number; org: string; email: string; role: Role }
  /** The operator's bootstrap token (`roster serve --bootstrap-token-file`): system authority. */
  | { kind: "system"; name: "bootstrap" };

const CHALLENGE = { "www-authenticate": 'Bearer realm="roster"' };

/**
 * `Authorization: Bearer KEY`. Keys are looked up by their SHA-256 hash; the store answers null
 * for an unknown or revoked key and for a key whose user is no longer a member (R6), so a
 * removal locks the key out on the very next request. The 401 never says which case it was.
 */
export function authenticate(
  req: IncomingMessage,
  store: PortalStore,
  bootstrapHash: Buffer | undefined,
): Principal {
  const header = req.headers.authorization;
  if (header === undefined) {
    throw new ApiError("unauthenticated", "missing Authorization: Bearer API key", CHALLENGE);
  }
  const match = /^Bearer +(\S+) *$/i.exec(header);
  if (!match) {
    throw new ApiError("unauthenticated", "the Authorization header must be Bearer KEY", CHALLENGE);
  }
  const token = match[1] as string;
  if (bootstrapHash !== undefined && sameHash(hashOf(token), bootstrapHash)) {
    return { kind: "system", name: "bootstrap" };
  }
  const found = store.authenticateApiKey(token);
  if (!found) {
    throw new ApiError("unauthenticated", "invalid or revoked API key", CHALLENGE);
  }
  return { kind: "user", ...found };
}

export function hashOf(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

// Constant time over equal-length digests: the bootstrap token is compared, not looked up.
function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The store's actor for a principal: a user is scoped to its key's organization. */
export function actorOf(principal: Principal): Actor {
  if (principal.kind === "system") return { kind: "system", name: "api-bootstrap" };
  return { kind: "user", email: principal.email, role: principal.role, org: principal.org };
}

/** Rate-limit and idempotency scope: one per key (never the key itself); `anon` for none. */
export function scopeOf(principal: Principal | null): string {
  if (principal === null) return "anon";
  return principal.kind === "system" ? "bootstrap" : `key:${principal.keyId}`;
}
