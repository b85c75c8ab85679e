import type { JournalEntry, JournalIntent, JournalRecord } from "../../../model/index.js";

/** One row of `controller_journal`, an intent or an outcome (controller-state.ts, migration 2). */
export interface JournalRow {
  seq: number;
  /** Absent before migration 2 ran. */
  kind?: "intent" | "outcome";
  time: string;
  org: string;
  action: string;
  email: string | null;
  role: string | null;
  from_value: string | null;
  to_value: string | null;
  revision: string;
  result: JournalEntry["result"] | null;
  error: string | null;
  idempotency_key?: string | null;
  intent_seq?: number | null;
  not_before?: string | null;
  prev_hash: string;
  hash: string;
}

export const INSERT_JOURNAL_ROW = `INSERT INTO controller_journal
  (seq, kind, time, org, action, email, role, from_value, to_value, revision, result, error,
   idempotency_key, intent_seq, not_before, prev_hash, hash)
  VALUES (@seq, @kind, @time, @org, @action, @email, @role, @from_value, @to_value, @revision,
   @result, @error, @idempotency_key, @intent_seq, @not_before, @prev_hash, @hash)`;

/** The record a row gives back: exactly the fields its hash covers, absent ones omitted. */
export function fromRow(row: JournalRow): JournalRecord {
  const common = {
    seq: row.seq,
    time: row.time,
    org: row.org,
    action: row.action,
    email: row.email ?? undefined,
    role: row.role ?? undefined,
    from: row.from_value ?? undefined,
    to: row.to_value ?? undefined,
    revision: row.revision,
  };
  if (row.kind === "intent") {
    const intent = compact({
      kind: "intent" as const,
      ...common,
      key: row.idempotency_key ?? "",
      prevHash: row.prev_hash,
    });
    return { ...intent, hash: row.hash } satisfies JournalIntent;
  }
  const outcome = compact({
    ...common,
    // A NULL result on an outcome row cannot pass the table's CHECK; "failed" never reads as done.
    result: row.result ?? "failed",
    error: row.error ?? undefined,
    intent: row.intent_seq ?? undefined,
    notBefore: row.not_before ?? undefined,
    prevHash: row.prev_hash,
  });
  return { ...outcome, hash: row.hash } satisfies JournalEntry;
}

/** The row of a record about to be inserted. */
export function toRow(record: JournalRecord): JournalRow {
  const isIntent = record.kind === "intent";
  return {
    seq: record.seq,
    kind: isIntent ? "intent" : "outcome",
    time: record.time,
    org: record.org,
    action: record.action,
    email: record.email ?? null,
    role: record.role ?? null,
    from_value: record.from ?? null,
    to_value: record.to ?? null,
    revision: record.revision,
    result: isIntent ? null : record.result,
    error: isIntent ? null : (record.error ?? null),
    idempotency_key: isIntent ? record.key : null,
    intent_seq: isIntent ? null : (record.intent ?? null),
    not_before: isIntent ? null : (record.notBefore ?? null),
    prev_hash: record.prevHash,
    hash: record.hash,
  };
}

/** Absent fields are omitted (not `undefined`), as journalCanonical hashes them. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
