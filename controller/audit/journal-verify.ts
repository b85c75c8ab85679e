import type { JournalEntry } from "../model/index.js";
import { GENESIS_HASH, journalHash } from "../model/index.js";

export type JournalProblem = "edited" | "reordered" | "deleted";

export type JournalVerdict =
  | {
      ok: true;
      count: number;
      /** hash of the last entry: record it to detect a cut tail later */ head: string;
    }
  | { ok: false; count: number; seq: number; problem: JournalProblem; message: string };

/**
 * Walks the hash chain in the order the store returns it (by seq) and reports the first break:
 * - edited: an entry's content no longer matches its own hash;
 * - reordered: an entry's hash matches its content only under another seq, or it links to an
 *   entry that is present but elsewhere in the chain;
 * - deleted: an entry links to a hash that is nowhere in the journal (its predecessor is gone).
 * A tail cut off after the last entry leaves no trace in the chain itself: `knownHead`, a head
 * recorded earlier, must still be in the chain.
 */
export function verifyJournal(
  entries: readonly JournalEntry[],
  options: { knownHead?: string; key?: Uint8Array } = {},
): JournalVerdict {
  const entryHash = (e: Omit<JournalEntry, "hash">) => journalHash(e, options.key);
  const count = entries.length;
  const position = new Map(entries.map((e, i) => [e.hash, i]));
  let prev: JournalEntry | undefined;
  for (const [i, entry] of entries.entries()) {
    const { hash, ...rest } = entry;
    const expectedPrev = prev?.hash ?? GENESIS_HASH;
    if (entryHash(rest) !== hash) {
      const original = originalSeq(entry, entries, entryHash);
      if (original !== undefined) {
        return fail(
          count,
          entry.seq,
          "reordered",
          `entry seq ${entry.seq} was written as seq ${original}: the journal was reordered`,
        );
      }
      return fail(
        count,
        entry.seq,
        "edited",
        `entry seq ${entry.seq} was edited: its content no longer matches its hash`,
      );
    }
    if (entry.prevHash !== expectedPrev) {
      const linked = position.get(entry.prevHash);
      if (linked !== undefined && linked !== i - 1) {
        return fail(
          count,
          entry.seq,
          "reordered",
          `entry seq ${entry.seq} follows seq ${entries[linked]?.seq} in the chain, not ${prev?.seq ?? "the start"}: the journal was reordered`,
        );
      }
      const expectedSeq = prev === undefined ? undefined : prev.seq + 1;
      if (prev === undefined || (expectedSeq !== undefined && entry.seq > expectedSeq)) {
        const missing =
          prev === undefined
            ? `entries before seq ${entry.seq}`
            : missingRange(prev.seq + 1, entry.seq - 1);
        return fail(
          count,
          entry.seq,
          "deleted",
          `${missing} deleted: seq ${entry.seq} links to a hash that is not in the journal`,
        );
      }
      // Same seq numbering but a foreign link: the entry before was rewritten, hash included.
      return fail(
        count,
        prev.seq,
        "edited",
        `entry seq ${prev.seq} was edited and its hash recomputed: seq ${entry.seq} no longer links to it`,
      );
    }
    prev = entry;
  }
  const head = prev?.hash ?? GENESIS_HASH;
  const known = options.knownHead?.toLowerCase();
  if (known !== undefined && known !== GENESIS_HASH && !position.has(known)) {
    // The chain is consistent but shorter than it once was: its tail was cut (or rewritten).
    return fail(
      count,
      (prev?.seq ?? 0) + 1,
      "deleted",
      `the recorded head ${known} is no longer in the journal: entries after seq ${prev?.seq ?? 0} were deleted or rewritten`,
    );
  }
  return { ok: true, count, head };
}

/** The seq under which this entry's stored hash was computed, when only its seq changed. */
function originalSeq(
  entry: JournalEntry,
  entries: readonly JournalEntry[],
  entryHash: (e: Omit<JournalEntry, "hash">) => string,
): number | undefined {
  const { hash, ...rest } = entry;
  const candidates = new Set<number>();
  for (const e of entries) candidates.add(e.seq);
  const last = entries.at(-1)?.seq ?? 0;
  candidates.add(last + 1);
  for (const seq of candidates) {
    if (seq !== entry.seq && entryHash({ ...rest, seq }) === hash) return seq;
  }
  return undefined;
}

function missingRange(from: number, to: number): string {
  return from === to ? `entry seq ${from}` : `entries seq ${from}–${to}`;
}

function fail(
  count: number,
  seq: number,
  problem: JournalProblem,
  message: string,
): JournalVerdict {
  return { ok: false, count, seq, problem, message };
}
