import Database from "better-sqlite3";
import { BackendError } from "../../../model/index.js";
import { SqliteBackend } from "./backend.js";
import { SqliteControllerState } from "./controller-state.js";
import { openDatabase } from "./database.js";
import { PortalStore } from "./store.js";
import type { PortalStoreOptions } from "./store-types.js";

export interface OpenedSqlite {
  backend: SqliteBackend;
  state: SqliteControllerState;
  store: PortalStore;
  close(): Promise<void>;
}

/**
 * One connection to one file holding both the Portal store and the controller state (journal,
 * managed sets): a step's audit event and its journal entry live side by side.
 */
export function openSqlite(
  file: string,
  options: PortalStoreOptions & {
    create?: boolean;
    onWarning?: (message: string) => void;
    journalKey?: Uint8Array;
  } = {},
): OpenedSqlite {
  const db = guard(file, () => openDatabase(file, { create: options.create ?? true }));
  try {
    const store = guard(file, () => new PortalStore(db, options, false));
    const state = new SqliteControllerState(db, false, options.journalKey);
    const backend = new SqliteBackend(store, {
      describe: `sqlite:${file}`,
      ownsStore: false,
      ...(options.onWarning ? { onWarning: options.onWarning } : {}),
    });
    return {
      backend,
      state,
      store,
      close: () => {
        if (db.open) db.close();
        return Promise.resolve();
      },
    };
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The controller state alone, for backends that are not SQLite (`.roster/state.db`). */
export function openStandaloneState(file: string, journalKey?: Uint8Array): SqliteControllerState {
  return guard(file, () => SqliteControllerState.open(file, journalKey));
}

function guard<T>(file: string, body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof Database.SqliteError && error.code === "SQLITE_NOTADB") {
      throw new BackendError("invalid", `${file} is not a SQLite database: check --backend`, {
        cause: error,
      });
    }
    if (error instanceof Database.SqliteError && error.code === "SQLITE_CANTOPEN") {
      throw new BackendError("not-found", `cannot open ${file}: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}
