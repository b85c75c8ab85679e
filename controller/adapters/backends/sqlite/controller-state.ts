import type { ControllerState, JournalEntry, NewJournalEntry } from "../../../model/index.js";
import { GENESIS_HASH, journalHash, normalizeEmail } from "../../../model/index.js";
import type { SqliteDatabase } from "./database.js";
import { openDatabase } from "./database.js";
import type { Migration } from "./migrations.js";
import { metaTrack, migrate } from "./migrations.js";

// Own tables and own version track (roster_meta), so the same file can also hold the Portal
// store (which owns PRAGMA user_version) or stand alone as `.roster/state.db`.
const TRACK = metaTrack("controller state", "controller_state_version");
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
];

interface JournalRow {
  seq: number;
  time: string;
  org: string;
  action: string;
  email: string | null;
  role: string | null;
  from_value: string | null;
  to_value: string | null;
  revision: string;
  result: JournalEntry["result"];
  error: string | null;
  prev_hash: string;
  hash: string;
}

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

  /** Chains to the last entry inside one IMMEDIATE transaction: concurrent writers never fork it. */
  appendJournal(entry: NewJournalEntry): Promise<JournalEntry> {
    const appended = this.db
      .transaction(() => {
        const last = this.db
          .prepare("SELECT seq, hash FROM controller_journal ORDER BY seq DESC LIMIT 1")
          .get() as { seq: number; hash: string } | undefined;
        // Known fields only: the hash must cover exactly what the row can give back.
        const unhashed = compact({
          seq: (last?.seq ?? 0) + 1,
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
          prevHash: last?.hash ?? GENESIS_HASH,
        });
        const full: JournalEntry = { ...unhashed, hash: journalHash(unhashed, this.journalKey) };
        this.db
          .prepare(
            `INSERT INTO controller_journal (seq, time, org, action, email, role, from_value, to_value, revision, result, error, prev_hash, hash)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            full.seq,
            full.time,
            full.org,
            full.action,
            full.email ?? null,
            full.role ?? null,
            full.from ?? null,
            full.to ?? null,
            full.revision,
            full.result,
            full.error ?? null,
            full.prevHash,
            full.hash,
          );
        return full;
      })
      .immediate();
    return Promise.resolve(appended);
  }

  /** In order; `since` keeps entries at or after that ISO 8601 time. */
  readJournal(filter: { org?: string; since?: string } = {}): Promise<JournalEntry[]> {
    const rows = this.db
      .prepare(
        `SELECT * FROM controller_journal
         WHERE (@org IS NULL OR org = @org) AND (@since IS NULL OR time >= @since) ORDER BY seq`,
      )
      .all({ org: filter.org ?? null, since: filter.since ?? null }) as JournalRow[];
    return Promise.resolve(rows.map(fromRow));
  }

  /**
   * Recomputes the chain: every hash must match its entry and link to the one before. Returns
   * the first broken entry, so tampering with (or deleting) a row is detected.
   */
  verifyJournal(): { ok: true; entries: number } | { ok: false; seq: number; problem: string } {
    const rows = this.db
      .prepare("SELECT * FROM controller_journal ORDER BY seq")
      .all() as JournalRow[];
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
}

function fromRow(row: JournalRow): JournalEntry {
  const unhashed = compact({
    seq: row.seq,
    time: row.time,
    org: row.org,
    action: row.action,
    email: row.email ?? undefined,
    role: row.role ?? undefined,
    from: row.from_value ?? undefined,
    to: row.to_value ?? undefined,
    revision: row.revision,
    result: row.result,
    error: row.error ?? undefined,
    prevHash: row.prev_hash,
  });
  return { ...unhashed, hash: row.hash };
}

/** Absent fields are omitted (not `undefined`), as journalCanonical hashes them. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
