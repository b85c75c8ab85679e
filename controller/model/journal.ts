/** The step a record is about: what an intent announces and its outcome repeats. */
export interface JournalStep {
  org: string;
  action: string;
  email?: string;
  role?: string;
  from?: string;
  to?: string;
  revision: string;
}

/**
 * One applied (or failed) step, as the executor records it: an outcome. Entries form a hash chain.
 * Since write-ahead journaling, an outcome names the `intent` it closes; entries written before
 * have none and stay valid (absent fields are not hashed).
 */
export interface JournalEntry extends JournalStep {
  seq: number;
  /** ISO 8601: when the outcome was known (for a recovered one: when recovery observed it). */
  time: string;
  result: "applied" | "noop" | "failed";
  error?: string;
  /** The seq of the intent this outcome closes (at most one outcome per intent). */
  intent?: number;
  /**
   * Present only on an outcome found by recovery, after the process that wrote the intent died
   * before recording it: the write took effect (or not) at some unknown instant in
   * [notBefore, time] — notBefore is the intent's time. Readers must not treat `time` as exact.
   */
  notBefore?: string;
  /** Never set on an outcome: only intents carry a kind (keeps the hash of older entries). */
  kind?: undefined;
  /** `hash` of the entry before (64 zeros for the first): tampering breaks the chain. */
  prevHash: string;
  /** SHA-256 over the canonical JSON of every other field, prevHash included. */
  hash: string;
}

/**
 * Written durably before the backend write it announces (write-ahead). An intent without an
 * outcome means the writer stopped between the two; the next pass resolves it against the backend.
 */
export interface JournalIntent extends JournalStep {
  kind: "intent";
  seq: number;
  /** ISO 8601: just before the write was attempted. */
  time: string;
  /** The write's idempotency key (WriteContext.idempotencyKey). */
  key: string;
  prevHash: string;
  hash: string;
}

/** Every record of the chain, in seq order: what `roster journal verify` walks. */
export type JournalRecord = JournalEntry | JournalIntent;
/** A record before its hash is computed. */
export type UnhashedRecord = Omit<JournalEntry, "hash"> | Omit<JournalIntent, "hash">;

export type NewJournalEntry = Omit<JournalEntry, "seq" | "prevHash" | "hash" | "kind">;
export type NewJournalIntent = Omit<JournalIntent, "seq" | "prevHash" | "hash" | "kind">;

/** An intent with no outcome yet, and who wrote it (to tell a live writer from a dead one). */
export interface OpenIntent {
  intent: JournalIntent;
  /** Host name and process id of the writer, when recorded. */
  writer?: { host: string; pid: number };
}

/** True when the entry shows the backend holding the step's effect (applied, or already there). */
export function tookEffect(entry: JournalEntry): boolean {
  return entry.result !== "failed";
}

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
  /** Durable (committed) when the promise resolves: the write may start. */
  appendIntent(intent: NewJournalIntent): Promise<JournalIntent>;
  /**
   * With `entry.intent`: closes that intent. When it is closed already (recovery judged its
   * writer dead), nothing is appended and the existing outcome is returned: one outcome per intent.
   */
  appendJournal(entry: NewJournalEntry): Promise<JournalEntry>;
  /** Intents without an outcome, oldest first. */
  openIntents(): Promise<OpenIntent[]>;
  /** Outcomes only, in order: what audit readers need (intents say nothing took effect). */
  readJournal(filter?: { org?: string; since?: string }): Promise<JournalEntry[]>;
  /** Every record, intents included, in seq order. */
  readChain(): Promise<JournalRecord[]>;
  /**
   * The head anchor recorded with every append, apart from the chain's rows (null: nothing
   * recorded yet): a chain whose tail was cut still links, but no longer ends there.
   */
  recordedHead(): Promise<{ seq: number; hash: string } | null>;
  close(): Promise<void>;
}

export const GENESIS_HASH = "0".repeat(64);

/** The canonical text that `hash` covers: every field but `hash`, keys sorted, absent fields omitted. */
export function journalCanonical(entry: UnhashedRecord): string {
  const record = entry as unknown as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((k) => k !== "hash" && record[k] !== undefined)
    .sort();
  return JSON.stringify(keys.map((k) => [k, record[k]]));
}

/** `SEQ:HASH`, as `roster journal verify` prints it and `--expect-head` takes it. */
export function parseHead(text: string): { seq: number; hash: string } | null {
  const match = /^(\d+):([0-9a-f]{64})$/i.exec(text.trim());
  return match ? { seq: Number(match[1]), hash: (match[2] as string).toLowerCase() } : null;
}
