import { createHash } from "node:crypto";
import type {
  ControllerState,
  JournalEntry,
  NewJournalEntry,
} from "../../controller/model/index.js";
import { GENESIS_HASH, journalCanonical, normalizeEmail } from "../../controller/model/index.js";

/** A ControllerState held in memory, with the same hash chain the persistent ones keep. */
export class MemoryState implements ControllerState {
  readonly journal: JournalEntry[] = [];
  /** Every change of a managed set, in order: shows the write-ahead happened before the writes. */
  readonly managedWrites: { org: string; op: "add" | "remove"; emails: string[] }[] = [];
  private readonly managed = new Map<string, Set<string>>();
  /** Throws on the next appendJournal calls while positive. */
  failJournal = 0;

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

  appendJournal(entry: NewJournalEntry): Promise<JournalEntry> {
    if (this.failJournal > 0) {
      this.failJournal--;
      return Promise.reject(new Error("journal store unavailable"));
    }
    const prevHash = this.journal.at(-1)?.hash ?? GENESIS_HASH;
    const clean = Object.fromEntries(
      Object.entries(entry).filter(([, v]) => v !== undefined),
    ) as NewJournalEntry;
    const unsigned = { ...clean, seq: this.journal.length + 1, prevHash };
    const hash = createHash("sha256").update(journalCanonical(unsigned)).digest("hex");
    const full: JournalEntry = { ...unsigned, hash };
    this.journal.push(full);
    return Promise.resolve(full);
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

  close(): Promise<void> {
    return Promise.resolve();
  }
}
