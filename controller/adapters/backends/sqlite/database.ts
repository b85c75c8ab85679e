import Database from "better-sqlite3";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import path from "node:path";

export type SqliteDatabase = Database.Database;

/**
 * Opens (creating when allowed) a SQLite file the way every Roster table expects it:
 * WAL so readers (`roster portal members`, `roster serve`) never block the writer, foreign keys
 * on, and a busy timeout so two processes on one file wait for each other instead of failing.
 * The file holds token hashes, memberships and the audit trail: it is created 0600 in a folder
 * created 0700, and SQLite gives its WAL and shared-memory files the database file's mode.
 */
export function openDatabase(file: string, options: { create?: boolean } = {}): SqliteDatabase {
  const create = options.create ?? true;
  if (create && file !== ":memory:") {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
    if (!existsSync(file)) closeSync(openSync(file, "a", 0o600));
  }
  const db = new Database(file, { fileMustExist: !create });
  if (file !== ":memory:") tighten(file);
  db.pragma("journal_mode = WAL");
  // NORMAL is durable across application crashes in WAL mode; only an OS crash may lose the
  // last commits, never corrupt the file (https://www.sqlite.org/pragma.html#pragma_synchronous).
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  return db;
}

/** An older Roster created these 0644: owner-only from now on (best effort on a foreign file). */
function tighten(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      if (existsSync(f)) chmodSync(f, 0o600);
    } catch {
      // Not ours to change (another user's file opened read-only): leave it.
    }
  }
}
