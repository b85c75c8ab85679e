import { randomUUID } from "node:crypto";

/**
 * The key a backend uses to recognise a repeated write (WriteContext.idempotencyKey): one per
 * planned write, shared by its retries only. A retry after a timeout, or after a reset that lost
 * the answer of a committed write, carries the same key and the backend replays the first
 * outcome. A new plan that needs the same change again — the same drift found again, at the
 * same revision — gets a new key and is written again; conditional writes (preconditions.ts),
 * not keys, keep two writers from applying one change twice.
 */
export function idempotencyKey(): string {
  return randomUUID();
}
