import { createHash } from "node:crypto";
import type {
  ControllerState,
  JournalEntry,
  JournalIntent,
  JournalRecord,
  NewJournalEntry,
  NewJournalIntent,
  OpenIntent,
  UnhashedRecord,
} from "../../controller/model/index.js";
import { GENESIS_HASH, journalCanonical, normalizeEmail } from "../../controller/model/index.js";

/** A ControllerState held in memory, with the same hash chain the persistent ones keep. */
export class MemoryState implements ControllerState {
  /** Every record, intents included. */
  readonly chain: JournalRecord[] = [];
  /** Every change of a managed set, in order: shows the write-ahead happened before the writes. */
  readonly managedWrites: { org: string; op: "add" | "remove"; emails: string[] }[] = [];
  private readonly managed = new Map<string, Set<string>>();
  private readonly open = new Map<number, OpenIntent>();
  /** Throws on the next appendJournal calls while positive. */
  failJournal = 0;
  /** Recorded as the writer of each intent (tests pretend to be another, dead process). */
  writer = { host: "memory", pid: process.pid };

  /** The outcomes, as audit readers see them. */
  get journal(): JournalEntry[] {
    return this.chain.filter((r): r is JournalEntry => r.kind !== "intent");
  }

  managedMembers(org: string): Promise<Set<string>> {
    return Promise.resolve(new Set(this.managed.get(org) ?? []));
  }

  /** Per email, as the persistent state does: never a rewrite of the whole set. */
  addManagedMembers(org: string, emails: Iterable<string>): Promise<void> {
    const list = [...new Set([...emails].map(normalizeEmail))].sort();
    const set = this.managed.get(org) ?? new Set<string>();
    for (const email of list) set.add(email);
    this.managed.set(org, set);
    this.managedWrites.push({ org, op: "add", emails: list });
    return Promise.resolve();
  }

  removeManagedMembers(org: string, emails: Iterable<string>): Promise<void> {
    const list = [...new Set([...emails].map(normalizeEmail))].sort();
    const set = this.managed.get(org);
    for (const email of list) set?.delete(email);
    this.managedWrites.push({ org, op: "remove", emails: list });
    return Promise.resolve();
  }

  appendIntent(intent: NewJournalIntent): Promise<JournalIntent> {
    const full = this.link({ kind: "intent", ...intent }) as JournalIntent;
    this.open.set(full.seq, { intent: full, writer: { ...this.writer } });
    return Promise.resolve(full);
  }

  appendJournal(entry: NewJournalEntry): Promise<JournalEntry> {
    if (this.failJournal > 0) {
      this.failJournal--;
      return Promise.reject(new Error("journal store unavailable"));
    }
    if (entry.intent !== undefined) {
      const closed = this.journal.find((e) => e.intent === entry.intent);
      if (closed) return Promise.resolve(closed);
      this.open.delete(entry.intent);
    }
    return Promise.resolve(this.link(entry) as JournalEntry);
  }

  openIntents(): Promise<OpenIntent[]> {
    return Promise.resolve([...this.open.values()]);
  }

  readJournal(filter: { org?: string; since?: string } = {}): Promise<JournalEntry[]> {
    return Promise.resolve(
      this.journal.filter(
        (e) =>
          (filter.org === undefined || e.org === filter.org) &&
          (filter.since === undefined || e.time >= filter.since),
      ),
    );
  }

  readChain(): Promise<JournalRecord[]> {
    return Promise.resolve([...this.chain]);
  }

  recordedHead(): Promise<{ seq: number; hash: string } | null> {
    const last = this.chain.at(-1);
    return Promise.resolve(last ? { seq: last.seq, hash: last.hash } : null);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private link(record: object): JournalRecord {
    const prevHash = this.chain.at(-1)?.hash ?? GENESIS_HASH;
    const clean = Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
    const unsigned = { ...clean, seq: this.chain.length + 1, prevHash } as UnhashedRecord;
    const hash = createHash("sha256").update(journalCanonical(unsigned)).digest("hex");
    const full = { ...unsigned, hash } as JournalRecord;
    this.chain.push(full);
    return full;
  }
}
