import Database from "better-sqlite3";
import { BackendError } from "../../../model/index.js";
import type { SqliteDatabase } from "./database.js";
import { findReplay, pruneIdempotency, recordOutcome, requestHash } from "./idempotency.js";
import { USER_VERSION_TRACK, migrate } from "./migrations.js";
import { PORTAL_MIGRATIONS } from "./portal-schema.js";
import type { Tx } from "./store-core.js";
import { Sql } from "./store-core.js";
import { storeError } from "./store-errors.js";
import type { Actor, PortalStoreOptions, WriteOptions, WriteResult } from "./store-types.js";

/** The transaction plumbing every PortalStore operation runs through. */
export abstract class StoreBase {
  readonly db: SqliteDatabase;
  protected readonly sql: Sql;
  protected readonly now: () => Date;
  private readonly ownsDb: boolean;

  /** Over an open database (possibly shared with the controller state); migrates it first. */
  constructor(db: SqliteDatabase, options: PortalStoreOptions, ownsDb: boolean) {
    migrate(db, USER_VERSION_TRACK, PORTAL_MIGRATIONS);
    this.db = db;
    this.sql = new Sql(db);
    this.now = options.now ?? (() => new Date());
    this.ownsDb = ownsDb;
    pruneIdempotency(this.sql, this.now());
  }

  /** Closes the file when this store opened it; a shared connection is its opener's to close. */
  close(): void {
    if (this.ownsDb && this.db.open) this.db.close();
  }

  /** Reads in one transaction: in WAL mode that is one consistent snapshot of the file. */
  protected read<T>(body: () => T): T {
    return this.db.transaction(body)();
  }

  /**
   * IMMEDIATE takes the write lock up front, so two processes never deadlock upgrading a read
   * lock; everything `body` does commits together or not at all.
   */
  protected transaction<T>(actor: Actor, options: WriteOptions, body: (tx: Tx) => T): T {
    try {
      return this.db
        .transaction(() => {
          const now = this.now();
          return body({ sql: this.sql, now, time: now.toISOString(), actor, options });
        })
        .immediate();
    } catch (error) {
      throw translate(error);
    }
  }

  /**
   * A write honouring `options.idempotencyKey`: the first outcome is recorded in the same
   * transaction as the change, so "committed but the answer was lost" replays as `noop` with
   * `firstOutcome`. The replay lookup comes before `body`, so the precondition `body` checks
   * (`options.expect`) never refuses a retry of a write that committed.
   */
  protected write<T extends WriteResult>(
    actor: Actor,
    operation: string,
    args: unknown[],
    options: WriteOptions,
    body: (tx: Tx) => T,
  ): T {
    const key = options.idempotencyKey;
    if (key === undefined) return this.transaction(actor, options, body);
    if (typeof key !== "string" || key === "" || key.length > 255) {
      throw storeError(
        "invalid",
        "an idempotency key is a non-empty string of at most 255 characters",
      );
    }
    // The precondition and the mark are part of the request: the same key with another
    // `expect` is another request, not a retry.
    const hash = requestHash(operation, actor, [
      ...args,
      ...(options.expect === undefined ? [] : [{ expect: options.expect }]),
      ...(options.managed === true ? [{ managed: true }] : []),
    ]);
    return this.transaction(actor, options, (tx) => {
      const replay = findReplay(tx.sql, key, hash);
      if (replay) {
        const firstOutcome = replay.result.outcome;
        return { ...(replay.result as T), outcome: "noop", replayed: true, firstOutcome };
      }
      const result = body(tx);
      recordOutcome(tx.sql, key, hash, result, tx.time);
      return result;
    });
  }
}

/** SQLite's own refusals become BackendErrors the caller can act on. */
function translate(error: unknown): unknown {
  if (!(error instanceof Database.SqliteError)) return error;
  if (error.code === "SQLITE_BUSY" || error.code === "SQLITE_LOCKED") {
    return new BackendError("busy", "the Portal store is locked by another process; try again", {
      transient: true,
      cause: error,
    });
  }
  if (error.code.startsWith("SQLITE_CONSTRAINT")) {
    return new BackendError("conflict", `the store refused the change: ${error.message}`, {
      cause: error,
    });
  }
  return error;
}
