import { createHash } from "node:crypto";
import type { Sql } from "./store-core.js";
import { actorLabel } from "./store-core.js";
import { storeError } from "./store-errors.js";
import type { Actor, WriteResult } from "./store-types.js";

/** Keys are kept this long; a retry arriving later than that is treated as a new request. */
export const IDEMPOTENCY_RETENTION_DAYS = 30;

// Secrets are shown once: a replay answers without them (the first answer had them).
const SECRET_FIELDS = new Set(["token", "sessionToken", "key", "delivery"]);

/** Ties a key to one request: reusing a key for a different request is a client bug. */
export function requestHash(operation: string, actor: Actor, args: readonly unknown[]): string {
  return createHash("sha256")
    .update(JSON.stringify([operation, actorLabel(actor), args]))
    .digest("hex");
}

export function findReplay(
  sql: Sql,
  key: string,
  hash: string,
): { result: WriteResult } | undefined {
  const row = sql
    .get("SELECT request_hash, outcome, result_json FROM idempotency WHERE key = ?")
    .get(key) as { request_hash: string; outcome: string; result_json: string | null } | undefined;
  if (!row) return undefined;
  if (row.request_hash !== hash) {
    throw storeError(
      "conflict",
      "this idempotency key was already used for a different request: use a new key per request",
    );
  }
  const stored = row.result_json === null ? {} : (JSON.parse(row.result_json) as object);
  return { result: { ...stored, outcome: row.outcome as WriteResult["outcome"] } };
}

export function recordOutcome(
  sql: Sql,
  key: string,
  hash: string,
  result: WriteResult,
  time: string,
): void {
  const kept = Object.fromEntries(Object.entries(result).filter(([k]) => !SECRET_FIELDS.has(k)));
  sql
    .get(
      "INSERT INTO idempotency (key, request_hash, outcome, result_json, created_at) VALUES (?, ?, ?, ?, ?)",
    )
    .run(key, hash, result.outcome, JSON.stringify(kept), time);
}

export function pruneIdempotency(sql: Sql, now: Date): number {
  const cutoff = new Date(now.getTime() - IDEMPOTENCY_RETENTION_DAYS * 86_400_000).toISOString();
  return sql.get("DELETE FROM idempotency WHERE created_at < ?").run(cutoff).changes;
}
