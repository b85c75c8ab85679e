import type { Statement } from "better-sqlite3";
import { hostname } from "node:os";
import type {
  ControllerState,
  JournalEntry,
  JournalIntent,
  JournalRecord,
  NewJournalEntry,
  NewJournalIntent,
  OpenIntent,
  UnhashedRecord,
} from "../../../model/index.js";
import { GENESIS_HASH, journalHash, normalizeEmail, parseHead } from "../../../model/index.js";
import type { SqliteDatabase } from "./database.js";
import { openDatabase } from "./database.js";
import type { Migration } from "./migrations.js";
import { metaTrack, migrate } from "./migrations.js";
import type { JournalRow } from "./journal-rows.js";
import { INSERT_JOURNAL_ROW, compact, fromRow, toRow } from "./journal-rows.js";

// Own tables and own version track (roster_meta), so the same file can also hold the Portal
// store (which owns PRAGMA user_version) or stand alone as `.roster/state.db`.
const TRACK = metaTrack("controller state", "controller_state_version");
/** roster_meta key of the journal's head anchor. */
const HEAD_KEY = "controller_journal_head";
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "journal hash chain and managed-member sets",
    sql: `
CREATE TABLE controller_journal (
  seq INTEGER PRIMARY KEY,
  time TEXT NOT NULL,
  org TEXT NOT NULL,
  action TEXT NOT NULL,
  email TEXT,
  role TEXT,
  from_value TEXT,
  to_value TEXT,
  revision TEXT NOT NULL,
  result TEXT NOT NULL CHECK (result IN ('applied', 'noop', 'failed')),
  error TEXT,
  prev_hash TEXT NOT NULL UNIQUE,
  hash TEXT NOT NULL UNIQUE
) STRICT;
CREATE INDEX controller_journal_by_org ON controller_journal (org, seq);
CREATE TABLE controller_managed_members (
  org TEXT NOT NULL,
  email TEXT NOT NULL,
  PRIMARY KEY (org, email)
) STRICT, WITHOUT ROWID;`,
  },
  {
    version: 2,
    // Intents are chained entries of the one journal, not a side table: an intent is evidence
    // ("about to remove bob at 09:00:01"), so deleting or editing it must break the chain like any
    // other entry, and an outcome names its intent under the same hash. A side table could be
    // emptied silently, and with it the only trace of a write whose outcome was never recorded.
    // SQLite cannot alter a CHECK: the table is rebuilt, rows copied as they are (hashes intact).
    description: "write-ahead intents in the journal chain, open intents, head anchor",
    sql: `
CREATE TABLE controller_journal_v2 (
  seq INTEGER PRIMARY KEY,
  kind TEXT NOT NULL DEFAULT 'outcome' CHECK (kind IN ('intent', 'outcome')),
  time TEXT NOT NULL,
  org TEXT NOT NULL,
  action TEXT NOT NULL,
  email TEXT,
  role TEXT,
  from_value TEXT,
  to_value TEXT,
  revision TEXT NOT NULL,
  result TEXT CHECK (result IN ('applied', 'noop', 'failed')),
  error TEXT,
  idempotency_key TEXT,
  intent_seq INTEGER,
  not_before TEXT,
  prev_hash TEXT NOT NULL UNIQUE,
  hash TEXT NOT NULL UNIQUE,
  CHECK ((kind = 'intent') = (result IS NULL)),
  CHECK (kind = 'outcome' OR idempotency_key IS NOT NULL)
) STRICT;
INSERT INTO controller_journal_v2
  (seq, time, org, action, email, role, from_value, to_value, revision, result, error, prev_hash, hash)
  SELECT seq, time, org, action, email, role, from_value, to_value, revision, result, error, prev_hash, hash
  FROM controller_journal;
DROP TABLE controller_journal;
ALTER TABLE controller_journal_v2 RENAME TO controller_journal;
CREATE INDEX controller_journal_by_org ON controller_journal (org, seq);
CREATE UNIQUE INDEX controller_journal_one_outcome ON controller_journal (intent_seq)
  WHERE intent_seq IS NOT NULL;
CREATE TABLE controller_open_intents (
  seq INTEGER PRIMARY KEY,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL
) STRICT;
INSERT INTO roster_meta (key, value)
  SELECT '${HEAD_KEY}', seq || ':' || hash FROM controller_journal ORDER BY seq DESC LIMIT 1;`,
  },
];

/** The controller's memory between runs (model/journal.ts) in SQLite. */
export class SqliteControllerState implements ControllerState {
  /** A standalone file, e.g. `.roster/state.db` next to a non-SQLite backend. */
  static open(file: string, journalKey?: Uint8Array): SqliteControllerState {
    const db = openDatabase(file);
    try {
      return new SqliteControllerState(db, true, journalKey);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  constructor(
    readonly db: SqliteDatabase,
    private readonly ownsDb = false,
    /** Keys the journal's hash chain (model/journal-hash.ts); absent: plain SHA-256. */
    private readonly journalKey?: Uint8Array,
  ) {
    migrate(db, TRACK, MIGRATIONS);
  }

  private readonly statements = new Map<string, Statement>();
  /** Recorded with each intent: recovery tells a dead writer from a live one by it. */
  private readonly writer = { host: hostname(), pid: process.pid };

  managedMembers(org: string): Promise<Set<string>> {
    const rows = this.db
      .prepare("SELECT email FROM controller_managed_members WHERE org = ?")
      .pluck()
      .all(org) as string[];
    return Promise.resolve(new Set(rows));
  }

  /**
   * Per email, never a rewrite of the whole set: two runs that each add or drop their own
   * members cannot undo each other's entries.
   */
  addManagedMembers(org: string, emails: Iterable<string>): Promise<void> {
    const insert = this.db.prepare(
      "INSERT INTO controller_managed_members (org, email) VALUES (?, ?) ON CONFLICT DO NOTHING",
    );
    this.db.transaction(() => {
      for (const email of new Set([...emails].map(normalizeEmail))) insert.run(org, email);
    })();
    return Promise.resolve();
  }

  removeManagedMembers(org: string, emails: Iterable<string>): Promise<void> {
    const remove = this.db.prepare(
      "DELETE FROM controller_managed_members WHERE org = ? AND email = ?",
    );
    this.db.transaction(() => {
      for (const email of new Set([...emails].map(normalizeEmail))) remove.run(org, email);
    })();
    return Promise.resolve();
  }

  appendIntent(intent: NewJournalIntent): Promise<JournalIntent> {
    const appended = this.db
      .transaction(() => {
        const full = this.chain({
          kind: "intent",
          time: intent.time,
          org: intent.org,
          action: intent.action,
          email: intent.email,
          role: intent.role,
          from: intent.from,
          to: intent.to,
          revision: intent.revision,
          key: intent.key,
        }) as JournalIntent;
        this.sql("INSERT INTO controller_open_intents (seq, host, pid) VALUES (?, ?, ?)").run(
          full.seq,
          this.writer.host,
          this.writer.pid,
        );
        return full;
      })
      .immediate();
    return Promise.resolve(appended);
  }

  /** Chains to the last entry inside one IMMEDIATE transaction: concurrent writers never fork it. */
  appendJournal(entry: NewJournalEntry): Promise<JournalEntry> {
    const appended = this.db
      .transaction(() => {
        if (entry.intent !== undefined) {
          const closed = this.sql("SELECT * FROM controller_journal WHERE intent_seq = ?").get(
            entry.intent,
          ) as JournalRow | undefined;
          if (closed) return fromRow(closed) as JournalEntry;
          this.sql("DELETE FROM controller_open_intents WHERE seq = ?").run(entry.intent);
        }
        // Known fields only: the hash must cover exactly what the row can give back.
        return this.chain({
          time: entry.time,
          org: entry.org,
          action: entry.action,
          email: entry.email,
          role: entry.role,
          from: entry.from,
          to: entry.to,
          revision: entry.revision,
          result: entry.result,
          error: entry.error,
          intent: entry.intent,
          notBefore: entry.notBefore,
        }) as JournalEntry;
      })
      .immediate();
    return Promise.resolve(appended);
  }

  /** Inside the caller's transaction: links, hashes, inserts and moves the head anchor. */
  private chain(fields: DistributiveOmit<UnhashedRecord, "seq" | "prevHash">): JournalRecord {
    const last = this.sql(
      "SELECT seq, hash FROM controller_journal ORDER BY seq DESC LIMIT 1",
    ).get() as { seq: number; hash: string } | undefined;
    const unhashed = compact({
      ...fields,
      seq: (last?.seq ?? 0) + 1,
      prevHash: last?.hash ?? GENESIS_HASH,
    }) as UnhashedRecord;
    const full = { ...unhashed, hash: journalHash(unhashed, this.journalKey) } as JournalRecord;
    this.sql(INSERT_JOURNAL_ROW).run(toRow(full));
    this.sql(
      "INSERT INTO roster_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    ).run(HEAD_KEY, `${full.seq}:${full.hash}`);
    return full;
  }

  /** Prepared once per connection: every step appends twice, preparing costs as much as running. */
  private sql(text: string): Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  openIntents(): Promise<OpenIntent[]> {
    const rows = this.db
      .prepare(
        `SELECT j.*, o.host AS writer_host, o.pid AS writer_pid FROM controller_open_intents o
         JOIN controller_journal j ON j.seq = o.seq ORDER BY j.seq`,
      )
      .all() as (JournalRow & { writer_host: string; writer_pid: number })[];
    return Promise.resolve(
      rows.map((row) => ({
        intent: fromRow(row) as JournalIntent,
        writer: { host: row.writer_host, pid: row.writer_pid },
      })),
    );
  }

  /** Outcomes in order; `since` keeps entries at or after that ISO 8601 time. */
  readJournal(filter: { org?: string; since?: string } = {}): Promise<JournalEntry[]> {
    const rows = this.db
      .prepare(
        `SELECT * FROM controller_journal
         WHERE kind = 'outcome' AND (@org IS NULL OR org = @org) AND (@since IS NULL OR time >= @since)
         ORDER BY seq`,
      )
      .all({ org: filter.org ?? null, since: filter.since ?? null }) as JournalRow[];
    return Promise.resolve(rows.map((row) => fromRow(row) as JournalEntry));
  }

  readChain(): Promise<JournalRecord[]> {
    return Promise.resolve(this.chainRows().map(fromRow));
  }

  /**
   * The head (seq:hash) recorded with every append, outside the chain's rows: a chain whose tail
   * was deleted still links, but no longer ends where this anchor says (audit/journal-verify.ts).
   */
  recordedHead(): Promise<{ seq: number; hash: string } | null> {
    const value = this.db
      .prepare("SELECT value FROM roster_meta WHERE key = ?")
      .pluck()
      .get(HEAD_KEY) as string | undefined;
    return Promise.resolve(value === undefined ? null : parseHead(value));
  }

  /**
   * Recomputes the chain: every hash must match its entry and link to the one before. Returns
   * the first broken entry, so tampering with (or deleting) a row is detected.
   */
  verifyJournal(): { ok: true; entries: number } | { ok: false; seq: number; problem: string } {
    const rows = this.chainRows();
    let prev = GENESIS_HASH;
    for (const row of rows) {
      const entry = fromRow(row);
      if (entry.prevHash !== prev)
        return { ok: false, seq: entry.seq, problem: "does not link to the entry before it" };
      const { hash, ...rest } = entry;
      if (journalHash(rest, this.journalKey) !== hash)
        return { ok: false, seq: entry.seq, problem: "content does not match its hash" };
      prev = hash;
    }
    return { ok: true, entries: rows.length };
  }

  close(): Promise<void> {
    if (this.ownsDb && this.db.open) this.db.close();
    return Promise.resolve();
  }

  private chainRows(): JournalRow[] {
    return this.db.prepare("SELECT * FROM controller_journal ORDER BY seq").all() as JournalRow[];
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
