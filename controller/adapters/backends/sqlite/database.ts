import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import path from "node:path";

export type SqliteDatabase = Database.Database;

/**
 * Opens (creating when allowed) a SQLite file the way every Roster table expects it:
 * WAL so readers (`roster portal members`, `roster serve`) never block the writer, foreign keys
 * on, and a busy timeout so two processes on one file wait for each other instead of failing.
 */
export function openDatabase(file: string, options: { create?: boolean } = {}): SqliteDatabase {
  const create = options.create ?? true;
  if (create && file !== ":memory:")
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file, { fileMustExist: !create });
  db.pragma("journal_mode = WAL");
  // NORMAL is durable across application crashes in WAL mode; only an OS crash may lose the
  // last commits, never corrupt the file (https://www.sqlite.org/pragma.html#pragma_synchronous).
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  return db;
}
