import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqlite } from "../../controller/adapters/backends/sqlite/open.js";
import type { HistoryEntry } from "../../controller/audit/history.js";
import { leaverGaps, summarizeLeavers } from "../../controller/audit/leavers.js";
import type { JournalEntry, NewJournalEntry } from "../../controller/model/index.js";
import { CLI } from "../e2e-apply/harness.js";
import type { LifecycleHistory } from "./lifecycle-history.js";
import { buildLifecycleHistory } from "./lifecycle-history.js";

let h: LifecycleHistory;
let db: string;

function roster(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [CLI, ...args], {
    cwd: h.repo.root,
    env: h.repo.env,
    encoding: "utf8",
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const entry = (e: Partial<NewJournalEntry>): NewJournalEntry => ({
  time: "",
  org: "acme",
  action: "remove",
  revision: h.sha.create,
  result: "applied",
  ...e,
});

beforeAll(async () => {
  h = buildLifecycleHistory();
  db = path.join(h.repo.root, "portal.db");
  const opened = openSqlite(db);
  const journal = [
    // Eve's removal 2 s after her expiry; a failed attempt before it does not count.
    entry({
      time: "2026-02-01T00:00:01.000Z",
      email: "eve@ext.io",
      role: "member",
      result: "failed",
      error: "503",
    }),
    entry({
      time: "2026-02-01T00:00:02.000Z",
      email: "eve@ext.io",
      role: "member",
      revision: h.sha.addFrank,
    }),
    // A remove of carol BEFORE Git said so (another org's, or drift) is not the answer.
    entry({ time: "2026-02-09T00:00:00.000Z", org: "globex", email: "carol@acme.com" }),
    entry({
      time: "2026-02-10T12:05:00.000Z",
      email: "Carol@acme.com",
      role: "member",
      revision: h.sha.removeCarol,
    }),
    entry({
      time: "2026-03-01T10:00:00.000Z",
      action: "changeRole",
      email: "bob@acme.com",
      from: "admin",
      to: "member",
      revision: h.sha.demoteBob,
    }),
  ];
  for (const e of journal) await opened.state.appendJournal(e);
  await opened.close();
});
afterAll(() => h.repo.cleanup());

const SLOW = { timeout: 180_000 };

describe("roster review --leavers", SLOW, () => {
  it("each revocation with when Git said so, when the backend applied it, and the gap; worst and median", () => {
    const run = roster([
      "review",
      "--leavers",
      "--repo",
      h.repo.dir,
      "--since",
      "2026-01-01",
      "--at",
      "2026-04-01",
      "--backend",
      `sqlite:${db}`,
      "-o",
      "json",
    ]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as {
      summary: unknown;
      revocations: {
        email: string;
        change: string;
        saidAt: string;
        appliedAt: string | null;
        gapSeconds: number | null;
        commit: string;
        pr: number | null;
      }[];
    };
    expect(
      out.revocations.map((r) => [r.email, r.change, r.saidAt, r.appliedAt, r.gapSeconds, r.pr]),
    ).toEqual([
      ["eve@ext.io", "expired", "2026-02-01T00:00:00Z", "2026-02-01T00:00:02.000Z", 2, 2],
      ["carol@acme.com", "revoked", "2026-02-10T12:00:00Z", "2026-02-10T12:05:00.000Z", 300, 4],
      ["bob@acme.com", "demoted", "2026-03-01T09:00:00Z", "2026-03-01T10:00:00.000Z", 3600, 5],
    ]);
    expect(out.revocations[0]!.commit).toBe(h.sha.addEve);
    expect(out.summary).toEqual({
      revocations: 3,
      applied: 3,
      notApplied: 0,
      worstGapSeconds: 3600,
      medianGapSeconds: 300,
    });

    const table = roster([
      "review",
      "--leavers",
      "--repo",
      h.repo.dir,
      "--since",
      "2026-02-05",
      "--at",
      "2026-04-01",
      "--backend",
      `sqlite:${db}`,
    ]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/carol@acme\.com +revoked +2026-02-10T12:00:00Z .* 5m 0s\n/);
    expect(table.stdout).toMatch(/bob@acme\.com +demoted admin→member .* 1h 0m 0s\n/);
    expect(table.stdout).not.toContain("eve@ext.io");
    expect(table.stdout.trimEnd().split("\n").at(-1)).toBe(
      "2 revocations, 2 applied, 0 not applied; worst gap 1h 0m 0s, median gap 32m 30s",
    );
  });

  it("without --backend the gaps are unknown, said so; bad flags are usage errors", () => {
    const run = roster([
      "review",
      "--leavers",
      "--repo",
      h.repo.dir,
      "--since",
      "2026-01-01",
      "--at",
      "2026-04-01",
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("3 revocations; no journal read (--backend): gaps unknown");
    expect(roster(["review", "--leavers", "--repo", h.repo.dir]).stderr).toMatch(
      /--leavers needs --since/,
    );
    expect(roster(["review", "--repo", h.repo.dir]).stderr).toMatch(/missing --org/);
  });
});

describe("roster review (CLI)", SLOW, () => {
  it("csv and markdown carry the same rows; json is the documented shape", () => {
    const json = JSON.parse(
      roster(["review", "--repo", h.repo.dir, "--org", "acme", "--at", "2026-03-10", "-o", "json"])
        .stdout,
    ) as {
      members: { email: string; flags: string[] }[];
      status: { overdue: boolean; dueAt: string };
    };
    expect(json.members.map((m) => m.email)).toEqual([
      "alice@acme.com",
      "bob@acme.com",
      "frank@ext.io",
    ]);
    expect(json.status).toMatchObject({ overdue: false, dueAt: "2026-05-31T08:00:00Z" });
    const csv = roster([
      "review",
      "--repo",
      h.repo.dir,
      "--org",
      "acme",
      "--at",
      "2026-03-10",
      "-o",
      "csv",
    ])
      .stdout.trimEnd()
      .split("\n");
    expect(csv[0]).toBe("org,email,role,since,commit,pr,author,approvers,expiresAt,external,flags");
    expect(csv[3]).toBe(
      `acme,frank@ext.io,member,2026-01-15T09:00:00Z,${h.sha.addFrank},3,Bob Admin <bob@acme.com>,,,yes,external-without-expiry`,
    );
    const md = roster([
      "review",
      "--repo",
      h.repo.dir,
      "--org",
      "acme",
      "--at",
      "2026-03-10",
      "-o",
      "markdown",
    ]).stdout;
    expect(md).toContain("## Access review: acme");
    expect(md).toContain(
      "latest review 2026-03-02T08:00:00Z by alice@acme.com; next due 2026-05-31T08:00:00Z (every 90d)",
    );
    expect(md).toMatch(
      /\| frank@ext\.io \| member \| 2026-01-15T09:00:00Z \| [0-9a-f]{12} \(#3\) by Bob Admin \\<bob@acme\.com\\> \|/,
    );
  });
});

describe("leaverGaps (pure)", () => {
  const e = (
    email: string,
    change: HistoryEntry["change"],
    from: string | null,
    to: string | null,
    date: string,
  ): HistoryEntry => ({
    commit: "c",
    date,
    author: "a",
    pr: null,
    org: "acme",
    email,
    change,
    from,
    to,
  });
  const j = (over: Partial<JournalEntry>): JournalEntry => ({
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

  it("an old owner demoted by a transfer is carried out by the transfer; a promotion is no revocation", () => {
    const rows = leaverGaps(
      [
        e("alice@acme.com", "roleChanged", "owner", "admin", "2026-01-01T00:00:00Z"),
        e("bob@acme.com", "roleChanged", "member", "admin", "2026-01-01T00:00:00Z"),
        e("carol@acme.com", "revoked", "member", null, "2026-01-01T00:00:00Z"),
      ],
      [
        j({
          time: "2026-01-01T00:01:00Z",
          action: "transferOwnership",
          email: "dave@acme.com",
          from: "alice@acme.com",
          to: "dave@acme.com",
        }),
      ],
    );
    expect(rows.map((r) => [r.email, r.change, r.gapSeconds])).toEqual([
      ["alice@acme.com", "demoted", 60],
      ["carol@acme.com", "revoked", null],
    ]);
    expect(summarizeLeavers(rows)).toEqual({
      revocations: 2,
      applied: 1,
      notApplied: 1,
      worstGapSeconds: 60,
      medianGapSeconds: 60,
    });
  });
});
