/** One applied (or failed) step, as the executor records it. Entries form a hash chain. */
export interface JournalEntry {
  seq: number;
  /** ISO 8601. */
  time: string;
  org: string;
  action: string;
  email?: string;
  role?: string;
  from?: string;
  to?: string;
  revision: string;
  result: "applied" | "noop" | "failed";
  error?: string;
  /** `hash` of the entry before (64 zeros for the first): tampering breaks the chain. */
  prevHash: string;
  /** SHA-256 over the canonical JSON of every other field, prevHash included. */
  hash: string;
}

export type NewJournalEntry = Omit<JournalEntry, "seq" | "prevHash" | "hash">;

/**
 * What the controller itself remembers between runs: the journal and, per organization,
 * the set of member emails Roster manages (so a member deleted from Git is revoked while a
 * member it never declared is handled by `spec.unmanaged`).
 */
export interface ControllerState {
  /**
   * The managed set for a backend that cannot hold per-record marks (`managedMarks` false, e.g.
   * a Google group): kept in an explicit state location, updated per email.
   */
  managedMembers(org: string): Promise<Set<string>>;
  addManagedMembers(org: string, emails: Iterable<string>): Promise<void>;
  removeManagedMembers(org: string, emails: Iterable<string>): Promise<void>;
  appendJournal(entry: NewJournalEntry): Promise<JournalEntry>;
  readJournal(filter?: { org?: string; since?: string }): Promise<JournalEntry[]>;
  close(): Promise<void>;
}

export const GENESIS_HASH = "0".repeat(64);

/** The canonical text that `hash` covers: every field but `hash`, keys sorted, absent fields omitted. */
export function journalCanonical(entry: Omit<JournalEntry, "hash">): string {
  const record = entry as unknown as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((k) => k !== "hash" && record[k] !== undefined)
    .sort();
  return JSON.stringify(keys.map((k) => [k, record[k]]));
}
