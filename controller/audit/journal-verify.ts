import type { JournalRecord, UnhashedRecord } from "../model/index.js";
import { GENESIS_HASH, journalHash } from "../model/index.js";

export type JournalProblem = "edited" | "reordered" | "deleted" | "unmatched";

export type JournalVerdict =
  | {
      ok: true;
      count: number;
      /** hash of the last entry: record it to detect a cut tail later */ head: string;
      /** Seqs of intents with no outcome yet: writes in flight, or interrupted and unresolved. */
      openIntents?: number[];
    }
  | { ok: false; count: number; seq: number; problem: JournalProblem; message: string };

/**
 * Walks the hash chain in the order the store returns it (by seq) and reports the first break:
 * - edited: an entry's content no longer matches its own hash;
 * - reordered: an entry's hash matches its content only under another seq, or it links to an
 *   entry that is present but elsewhere in the chain;
 * - deleted: an entry links to a hash that is nowhere in the journal (its predecessor is gone).
 * - unmatched: an outcome closes no earlier intent of the same step, or one closed already.
 * A tail cut off after the last entry leaves no trace in the chain itself: `knownHead`, a head
 * recorded earlier, must still be in the chain; `expectHead` (SEQ:HASH printed by an earlier
 * verify) must be there at its seq; `anchor`, the head the store records with every append
 * (null: none recorded), must be the last entry.
 */
export function verifyJournal(
  entries: readonly JournalRecord[],
  options: VerifyOptions = {},
): JournalVerdict {
  const entryHash = (e: UnhashedRecord) => journalHash(e, options.key);
  const count = entries.length;
  const position = new Map(entries.map((e, i) => [e.hash, i]));
  let prev: JournalRecord | undefined;
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
  const unmatched = matchIntents(entries);
  if (unmatched.problem)
    return fail(count, unmatched.problem.seq, "unmatched", unmatched.problem.message);
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
  const tail = tailProblem(entries, options);
  if (tail) return fail(count, tail.seq, "deleted", tail.message);
  return unmatched.open.length > 0
    ? { ok: true, count, head, openIntents: unmatched.open }
    : { ok: true, count, head };
}

export interface VerifyOptions {
  knownHead?: string;
  expectHead?: { seq: number; hash: string };
  /** The store's head anchor; null when it records none; absent: not checked. */
  anchor?: { seq: number; hash: string } | null;
  key?: Uint8Array;
}

/** Every outcome that names an intent closes an earlier intent of the same step, once. */
function matchIntents(entries: readonly JournalRecord[]): {
  open: number[];
  problem?: { seq: number; message: string };
} {
  const intents = new Map<number, JournalRecord>();
  const closed = new Set<number>();
  for (const e of entries) {
    if (e.kind === "intent") {
      intents.set(e.seq, e);
      continue;
    }
    if (e.intent === undefined) continue; // written before write-ahead journaling
    const intent = intents.get(e.intent);
    const same =
      intent !== undefined &&
      intent.org === e.org &&
      intent.action === e.action &&
      intent.email === e.email;
    if (!same || closed.has(e.intent)) {
      const why = closed.has(e.intent)
        ? "which already has an outcome"
        : "which is not an earlier intent of the same step";
      return {
        open: [],
        problem: {
          seq: e.seq,
          message: `entry seq ${e.seq} closes intent seq ${e.intent}, ${why}`,
        },
      };
    }
    closed.add(e.intent);
  }
  return { open: [...intents.keys()].filter((seq) => !closed.has(seq)) };
}

/** A tail cut off leaves a consistent chain: only a head recorded elsewhere tells. */
function tailProblem(
  entries: readonly JournalRecord[],
  options: VerifyOptions,
): { seq: number; message: string } | undefined {
  const last = entries.at(-1);
  const lastSeq = last?.seq ?? 0;
  const expected = options.expectHead;
  if (expected !== undefined) {
    const at = entries.find((e) => e.seq === expected.seq);
    if (at === undefined) {
      return {
        seq: lastSeq + 1,
        message: `the expected head ${expected.seq}:${expected.hash} is gone: the journal ends at seq ${lastSeq}, entries after it were deleted`,
      };
    }
    if (at.hash !== expected.hash.toLowerCase()) {
      return {
        seq: expected.seq,
        message: `entry seq ${expected.seq} is not the expected head ${expected.seq}:${expected.hash}: the journal was rewritten from there`,
      };
    }
  }
  const anchor = options.anchor;
  if (anchor === undefined) return undefined;
  if (anchor === null) {
    return last === undefined
      ? undefined
      : {
          seq: lastSeq,
          message: `the journal's head anchor is missing or unreadable (the journal ends at seq ${lastSeq}): it was deleted`,
        };
  }
  if (last === undefined || anchor.seq !== last.seq || anchor.hash !== last.hash) {
    return {
      seq: lastSeq + 1,
      message:
        anchor.seq > lastSeq
          ? `the journal ends at seq ${lastSeq} but its head anchor records seq ${anchor.seq}: ${missingRange(lastSeq + 1, anchor.seq)} deleted`
          : `the journal's last entry (seq ${lastSeq}) is not its recorded head ${anchor.seq}:${anchor.hash}: the tail was rewritten`,
    };
  }
  return undefined;
}

/** The seq under which this entry's stored hash was computed, when only its seq changed. */
function originalSeq(
  entry: JournalRecord,
  entries: readonly JournalRecord[],
  entryHash: (e: UnhashedRecord) => string,
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
