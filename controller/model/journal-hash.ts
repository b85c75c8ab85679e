import { createHash, createHmac } from "node:crypto";
import type { UnhashedRecord } from "./journal.js";
import { journalCanonical } from "./journal.js";

/**
 * The one hash of a journal entry, written by the controller state and checked by
 * `roster journal verify`. With a key (`--journal-key-file` or `ROSTER_JOURNAL_KEY`, kept
 * outside the database) it is an HMAC-SHA256: whoever can write the file but lacks the key
 * cannot rewrite history and compute a chain that verifies. Without one, a plain SHA-256 chain
 * shows accidental damage and edits that were not re-chained.
 */
export function journalHash(entry: UnhashedRecord, key?: Uint8Array): string {
  const text = journalCanonical(entry);
  return key === undefined
    ? createHash("sha256").update(text).digest("hex")
    : createHmac("sha256", key).update(text).digest("hex");
}
