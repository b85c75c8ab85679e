import { createHash, randomBytes } from "node:crypto";

/** Prefixes tell a leaked secret's kind at a glance (and let secret scanners match them). */
export const TOKEN_PREFIX = { apiKey: "rk_", invitation: "ri_", session: "rs_" } as const;

/** 256 random bits, base64url: unguessable, URL- and header-safe. */
export function newToken(prefix: string): string {
  return prefix + randomBytes(32).toString("base64url");
}

/**
 * Only this hash is stored. A fast hash is right here: the input is 256 random bits,
 * not a password, so there is nothing to brute-force.
 */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** The visible part of an API key shown in lists: the prefix plus 6 characters. */
export function keyPrefix(key: string): string {
  return key.slice(0, TOKEN_PREFIX.apiKey.length + 6);
}
