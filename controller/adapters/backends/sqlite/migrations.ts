import { BackendError } from "../../../model/index.js";
import type { SqliteDatabase } from "./database.js";

/** One schema step. Versions start at 1 and are consecutive; a released step is never edited. */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

/** Where a set of migrations records how far it got. */
export interface VersionTrack {
  name: string;
  read(db: SqliteDatabase): number;
  write(db: SqliteDatabase, version: number): void;
}

/** The Portal store owns the file's `PRAGMA user_version`. */
export const USER_VERSION_TRACK: VersionTrack = {
  name: "Portal store",
  read: (db) => db.pragma("user_version", { simple: true }) as number,
  write: (db, version) => {
    db.pragma(`user_version = ${Math.trunc(version)}`);
  },
};

/**
 * A track kept in the `roster_meta` table, so that another component (the controller state) can
 * live in the same file as the Portal store without fighting over `user_version`.
 */
export function metaTrack(name: string, key: string): VersionTrack {
  const ensure = (db: SqliteDatabase) =>
    db.exec("CREATE TABLE IF NOT EXISTS roster_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  return {
    name,
    read: (db) => {
      ensure(db);
      const row = db.prepare("SELECT value FROM roster_meta WHERE key = ?").get(key) as
        | { value: string }
        | undefined;
      return row ? Number(row.value) : 0;
    },
    write: (db, version) => {
      db.prepare(
        "INSERT INTO roster_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      ).run(key, String(version));
    },
  };
}

export interface MigrationReport {
  from: number;
  to: number;
  applied: number[];
}

/**
 * Brings the file up to the latest version of `track`: each migration runs in its own
 * IMMEDIATE transaction together with the version bump, so a crash leaves the file at a
 * version boundary, and two processes opening the same file never apply a step twice.
 */
export function migrate(
  db: SqliteDatabase,
  track: VersionTrack,
  migrations: readonly Migration[],
): MigrationReport {
  checkSequence(track, migrations);
  const latest = migrations.at(-1)?.version ?? 0;
  const from = track.read(db);
  if (from > latest) throw tooNew(db, track, from, latest);
  const applied: number[] = [];
  for (const migration of migrations) {
    if (migration.version <= from) continue;
    db.transaction(() => {
      // Re-read inside the write lock: another process may have migrated meanwhile.
      if (track.read(db) >= migration.version) return;
      db.exec(migration.sql);
      track.write(db, migration.version);
      applied.push(migration.version);
    }).immediate();
  }
  return { from, to: Math.max(from, latest), applied };
}

function checkSequence(track: VersionTrack, migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(
        `${track.name} migrations must be numbered 1, 2, 3…: found ${m.version} at ${i + 1}`,
      );
    }
  });
}

function tooNew(
  db: SqliteDatabase,
  track: VersionTrack,
  found: number,
  latest: number,
): BackendError {
  return new BackendError(
    "schema-too-new",
    `${db.name} holds ${track.name} schema version ${found}, newer than this Roster knows (${latest}). ` +
      "Upgrade Roster, or point --backend at another file; the file was left untouched.",
  );
}
