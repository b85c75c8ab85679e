import { describe, expect, it } from "vitest";
import { verifyJournal } from "../../controller/audit/journal-verify.js";
import { journalHash as entryHash } from "../../controller/model/index.js";
import type { JournalEntry, NewJournalEntry } from "../../controller/model/index.js";
import { GENESIS_HASH } from "../../controller/model/index.js";

function chain(items: NewJournalEntry[], firstSeq = 1): JournalEntry[] {
  const out: JournalEntry[] = [];
  let prevHash = GENESIS_HASH;
  items.forEach((item, i) => {
    const body = { ...item, seq: firstSeq + i, prevHash };
    const hash = entryHash(body);
    out.push({ ...body, hash });
    prevHash = hash;
  });
  return out;
}

const items: NewJournalEntry[] = ["a", "b", "c", "d", "e"].map((name, i) => ({
  time: `2024-03-0${i + 1}T10:00:00.000Z`,
  org: "acme",
  action: "invite",
  email: `${name}@acme.com`,
  role: "member",
  revision: "0".repeat(39) + String(i),
  result: "applied",
}));

describe("verifyJournal", () => {
  it("accepts an intact chain and gives its count and head", () => {
    const journal = chain(items);
    expect(verifyJournal(journal)).toEqual({ ok: true, count: 5, head: journal[4]!.hash });
    expect(verifyJournal([])).toEqual({ ok: true, count: 0, head: GENESIS_HASH });
  });

  it("names an edited entry", () => {
    const journal = chain(items);
    journal[2] = { ...journal[2]!, role: "admin" };
    expect(verifyJournal(journal)).toMatchObject({ ok: false, seq: 3, problem: "edited" });
  });

  it("names the entry before the break when an edit recomputed that entry's own hash", () => {
    const journal = chain(items);
    const { hash: _old, ...edited } = { ...journal[1]!, result: "failed" as const };
    journal[1] = { ...edited, hash: entryHash(edited) };
    expect(verifyJournal(journal)).toMatchObject({ ok: false, seq: 2, problem: "edited" });
  });

  it("names a deleted entry in the middle, at the start, and a run of them", () => {
    const middle = chain(items).filter((e) => e.seq !== 3);
    expect(verifyJournal(middle)).toMatchObject({ ok: false, seq: 4, problem: "deleted" });
    expect(verifyJournal(middle)).toMatchObject({
      message: expect.stringContaining("entry seq 3 deleted"),
    });

    const start = chain(items).slice(1);
    expect(verifyJournal(start)).toMatchObject({ ok: false, seq: 2, problem: "deleted" });

    const run = chain(items).filter((e) => e.seq !== 2 && e.seq !== 3);
    expect(verifyJournal(run)).toMatchObject({ ok: false, seq: 4, problem: "deleted" });
    expect(verifyJournal(run)).toMatchObject({ message: expect.stringContaining("seq 2–3") });
  });

  it("names a reordered entry, whether its seq was swapped or only its position", () => {
    const journal = chain(items);
    // Swap the seq numbers of entries 3 and 4 (what an UPDATE of the seq column does).
    const swapped = [
      journal[0]!,
      journal[1]!,
      { ...journal[3]!, seq: 3 },
      { ...journal[2]!, seq: 4 },
      journal[4]!,
    ];
    expect(verifyJournal(swapped)).toMatchObject({ ok: false, seq: 3, problem: "reordered" });
    expect(verifyJournal(swapped)).toMatchObject({
      message: expect.stringContaining("written as seq 4"),
    });

    const moved = [journal[0]!, journal[2]!, journal[1]!, journal[3]!, journal[4]!];
    expect(verifyJournal(moved)).toMatchObject({ ok: false, seq: 3, problem: "reordered" });
  });

  it("catches a cut tail against a head recorded earlier", () => {
    const journal = chain(items);
    const head = journal[4]!.hash;
    expect(verifyJournal(journal, { knownHead: head })).toMatchObject({ ok: true });
    expect(verifyJournal(journal.slice(0, 3), { knownHead: head })).toMatchObject({
      ok: false,
      seq: 4,
      problem: "deleted",
      message: expect.stringContaining("entries after seq 3 were deleted or rewritten"),
    });
    expect(verifyJournal(journal.slice(0, 3))).toMatchObject({ ok: true, count: 3 });
  });
});
