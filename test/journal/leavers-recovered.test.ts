import { describe, expect, it } from "vitest";
import type { HistoryEntry } from "../../controller/audit/history.js";
import { leaverGaps, summarizeLeavers } from "../../controller/audit/leavers.js";
import {
  renderLeaversCsv,
  renderLeaversTable,
} from "../../controller/cli/review/render-leavers.js";
import type { JournalEntry } from "../../controller/model/index.js";

const revoked = (email: string, date: string): HistoryEntry => ({
  commit: "c0ffee",
  date,
  author: "a",
  pr: null,
  org: "acme",
  email,
  change: "revoked",
  from: "member",
  to: null,
});
const removal = (over: Partial<JournalEntry>): JournalEntry => ({
  seq: 1,
  time: "",
  org: "acme",
  action: "remove",
  revision: "r",
  result: "applied",
  prevHash: "",
  hash: "",
  ...over,
});

describe("leaver timeliness with a removal recovered after a crash", () => {
  const rows = leaverGaps(
    [
      revoked("bob@acme.com", "2026-01-01T00:00:00Z"),
      revoked("carol@acme.com", "2026-01-01T00:00:00Z"),
    ],
    [
      // Journaled when it happened: an exact instant.
      removal({ email: "bob@acme.com", time: "2026-01-01T00:00:30Z", intent: 1 }),
      // The controller died mid-write; recovery found carol gone an hour later.
      removal({
        email: "carol@acme.com",
        time: "2026-01-01T01:00:00Z",
        notBefore: "2026-01-01T00:00:20Z",
        intent: 3,
      }),
    ],
  );

  it("keeps the bounds and gives the gap as an upper bound, not a made-up instant", () => {
    expect(rows.map((r) => [r.email, r.appliedAt, r.appliedNotBefore, r.gapSeconds])).toEqual([
      ["bob@acme.com", "2026-01-01T00:00:30Z", undefined, 30],
      ["carol@acme.com", "2026-01-01T01:00:00Z", "2026-01-01T00:00:20Z", 3600],
    ]);
    expect(summarizeLeavers(rows)).toMatchObject({ applied: 2, worstGapSeconds: 3600, bounded: 1 });
  });

  it("every rendering says so", () => {
    const table = renderLeaversTable(rows, summarizeLeavers(rows), true);
    expect(table).toContain("between 2026-01-01T00:00:20Z and 2026-01-01T01:00:00Z");
    expect(table).toContain("at most 1h 0m 0s");
    expect(table).toContain("1 applied by an interrupted write: their gaps are upper bounds");
    const csv = renderLeaversCsv(rows).split("\n");
    expect(csv[0]).toMatch(/,appliedNotBefore$/);
    expect(csv[2]).toMatch(/,3600,2026-01-01T00:00:20Z$/);
  });

  it("a recovered failure (the removal never took effect) is no revocation applied", () => {
    const failed = leaverGaps(
      [revoked("dan@acme.com", "2026-01-01T00:00:00Z")],
      [
        removal({
          email: "dan@acme.com",
          time: "2026-01-01T00:10:00Z",
          notBefore: "2026-01-01T00:00:10Z",
          result: "failed",
          error: "interrupted before the write took effect (found absent on recovery)",
        }),
      ],
    );
    expect(failed[0]).toMatchObject({ appliedAt: null, gapSeconds: null });
  });
});
