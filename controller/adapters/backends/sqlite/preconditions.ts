import type { Precondition } from "../../../model/index.js";
import { PRECONDITION_FAILED } from "../../../model/index.js";
import type { Tx } from "./store-core.js";
import { storeError } from "./store-errors.js";

/** A record as a conditional write sees it: its version counter, or undefined when absent. */
export interface Versioned {
  version: number;
}

/**
 * Refuses the write when the record is not as the caller observed it (`tx.options.expect`).
 * Runs inside the write's transaction and after the idempotency replay lookup (store-base.ts),
 * so a retry of a committed write replays its first answer although the version moved on.
 */
export function requireObserved(
  tx: Tx,
  record: Versioned | undefined,
  what: string,
  expect: Precondition | undefined = tx.options.expect,
): void {
  if (expect === undefined) return;
  if ("absent" in expect) {
    if (record !== undefined) throw stale(`${what} exists now`);
    return;
  }
  if (record === undefined) throw stale(`${what} is gone`);
  if ("present" in expect) return;
  if (String(record.version) !== expect.version) {
    throw stale(
      `${what} changed since it was read (version ${record.version}, not ${expect.version})`,
    );
  }
}

function stale(detail: string) {
  return storeError(PRECONDITION_FAILED, `${detail}: someone else wrote; read it again and retry`);
}

/** SQLite's integer for "set the mark": an update keeps an existing one (`max(managed, ?)`). */
export function managedFlag(tx: Tx): 0 | 1 {
  return tx.options.managed === true ? 1 : 0;
}
