import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGitHubClient, readPullRequest } from "../../controller/adapters/github/index.js";
import { GitCli } from "../../controller/adapters/sources/git-cli.js";
import { GitHistoryCli } from "../../controller/adapters/sources/git-history-cli.js";
import { accessAt } from "../../controller/audit/access.js";
import { buildHistory } from "../../controller/audit/history.js";
import { buildAccessReview } from "../../controller/audit/review.js";
import { FakeGitHub } from "../fakes/github-api.js";
import type { LifecycleHistory } from "./lifecycle-history.js";
import { EVE_EXPIRES, buildLifecycleHistory } from "./lifecycle-history.js";

let h: LifecycleHistory;
let git: GitHistoryCli;

beforeAll(() => {
  h = buildLifecycleHistory();
  git = new GitHistoryCli(new GitCli({ env: h.repo.env }), {
    gitDir: path.join(h.repo.dir, ".git"),
  });
});
afterAll(async () => {
  await git.close();
  h.repo.cleanup();
});

const BOB = "Bob Admin <bob@acme.com>";
const ALICE = "Alice Owner <alice@acme.com>";

describe("history and access around a declared expiry", () => {
  it("history has `expired` at the instant, with the commit and PR that set the date, in time order", async () => {
    const report = await buildHistory(git, {
      ref: h.sha.review,
      until: new Date("2026-04-01T00:00:00Z"),
    });
    expect(report.skipped).toEqual([]);
    expect(report.entries.map((e) => [e.date, e.email, e.change, e.from, e.to, e.pr])).toEqual([
      ["2026-01-05T09:00:00Z", "alice@acme.com", "granted", null, "owner", 1],
      ["2026-01-05T09:00:00Z", "bob@acme.com", "granted", null, "admin", 1],
      ["2026-01-05T09:00:00Z", "carol@acme.com", "granted", null, "member", 1],
      ["2026-01-10T09:00:00Z", "eve@ext.io", "granted", null, "member", 2],
      ["2026-01-15T09:00:00Z", "frank@ext.io", "granted", null, "member", 3],
      ["2026-02-01T00:00:00Z", "eve@ext.io", "expired", "member", null, 2],
      ["2026-02-10T12:00:00Z", "carol@acme.com", "revoked", "member", null, 4],
      ["2026-03-01T09:00:00Z", "bob@acme.com", "roleChanged", "admin", "member", 5],
    ]);
    const expired = report.entries.find((e) => e.change === "expired")!;
    expect(expired).toMatchObject({ commit: h.sha.addEve, author: BOB });
  });

  it("an expiry still ahead of the report's instant is not reported yet", async () => {
    const before = await buildHistory(git, {
      ref: h.sha.review,
      until: new Date(Date.parse(EVE_EXPIRES) - 1000),
    });
    expect(before.entries.filter((e) => e.change === "expired")).toEqual([]);
    const since = await buildHistory(git, {
      ref: h.sha.review,
      since: new Date(EVE_EXPIRES),
      member: "EVE@ext.io",
      until: new Date("2026-04-01T00:00:00Z"),
    });
    expect(since.entries.map((e) => e.change)).toEqual(["expired"]);
  });

  it("access --at counts eve with access until the instant and without from it", async () => {
    const emails = async (at: string) =>
      (await accessAt(git, { ref: h.sha.review, at: new Date(at) })).members.map((m) => m.email);
    expect(await emails("2026-01-31T23:59:59Z")).toEqual([
      "alice@acme.com",
      "bob@acme.com",
      "carol@acme.com",
      "eve@ext.io",
      "frank@ext.io",
    ]);
    expect(await emails(EVE_EXPIRES)).toEqual([
      "alice@acme.com",
      "bob@acme.com",
      "carol@acme.com",
      "frank@ext.io",
    ]);
    const before = await accessAt(git, { ref: h.sha.review, at: new Date("2026-01-20T00:00:00Z") });
    expect(before.members.find((m) => m.email === "eve@ext.io")?.expiresAt).toBe(EVE_EXPIRES);
  });

  it("moving an expiry that had passed restores access: history says granted again", async () => {
    const repo = h.repo;
    repo.git(["checkout", "-q", "-b", "extend-eve", h.sha.review]);
    repo.write(
      "members/eve.yaml",
      (await import("./lifecycle-history.js")).member("eve", "eve@ext.io", "member", {
        expiresAt: "2026-06-01T00:00:00Z",
      }),
    );
    const extended = repo.commit("Extend eve (#7)", "2026-03-05T09:00:00Z", {
      name: "Alice Owner",
      email: "alice@acme.com",
    });
    repo.git(["checkout", "-q", "main"]);
    const report = await buildHistory(git, {
      ref: extended,
      member: "eve@ext.io",
      until: new Date("2026-07-01T00:00:00Z"),
    });
    expect(report.entries.map((e) => [e.date, e.change, e.pr])).toEqual([
      ["2026-01-10T09:00:00Z", "granted", 2],
      ["2026-02-01T00:00:00Z", "expired", 2],
      ["2026-03-05T09:00:00Z", "granted", 7],
      ["2026-06-01T00:00:00Z", "expired", 7],
    ]);
  });
});

describe("buildAccessReview on the scripted lifecycle repository", () => {
  it("lists who has access with since, granting commit/PR/author, expiry, external and flags", async () => {
    const report = await buildAccessReview(git, {
      ref: h.sha.review,
      org: "acme",
      at: new Date("2026-03-10T00:00:00Z"),
    });
    expect(report.revision).toBe(h.sha.review);
    expect(
      report.rows.map((r) => [
        r.email,
        r.role,
        r.since,
        r.grantedBy.commit,
        r.grantedBy.pr,
        r.grantedBy.author,
        r.expiresAt,
        r.external,
        r.flags,
      ]),
    ).toEqual([
      [
        "alice@acme.com",
        "owner",
        "2026-01-05T09:00:00Z",
        h.sha.create,
        1,
        ALICE,
        null,
        false,
        ["owner"],
      ],
      [
        "bob@acme.com",
        "member",
        "2026-03-01T09:00:00Z",
        h.sha.demoteBob,
        5,
        ALICE,
        null,
        false,
        [],
      ],
      [
        "frank@ext.io",
        "member",
        "2026-01-15T09:00:00Z",
        h.sha.addFrank,
        3,
        BOB,
        null,
        true,
        ["external-without-expiry"],
      ],
    ]);
    expect(report.status).toEqual({
      org: "acme",
      every: "90d",
      latest: {
        name: "acme-2026-q1",
        reviewer: "alice@acme.com",
        reviewedAt: "2026-03-02T08:00:00Z",
      },
      dueAt: "2026-05-31T08:00:00Z",
      overdue: false,
    });
  });

  it("before the expiry eve is listed (external with an expiry: not flagged); an admin is flagged", async () => {
    const report = await buildAccessReview(git, {
      ref: h.sha.review,
      org: "acme",
      at: new Date("2026-01-20T00:00:00Z"),
    });
    expect(report.rows.map((r) => [r.email, r.flags])).toEqual([
      ["alice@acme.com", ["owner"]],
      ["bob@acme.com", ["admin"]],
      ["carol@acme.com", []],
      ["eve@ext.io", []],
      ["frank@ext.io", ["external-without-expiry"]],
    ]);
    expect(report.rows.find((r) => r.email === "eve@ext.io")?.expiresAt).toBe(EVE_EXPIRES);
    // No review yet at that instant: the status says so (reviews.every is declared since #1).
    expect(report.status).toMatchObject({ latest: null, overdue: true });
  });

  it("months later: the review is overdue and long-unchanged memberships are flagged; invitations past expiry too", async () => {
    const report = await buildAccessReview(git, {
      ref: h.sha.review,
      org: "acme",
      at: new Date("2026-06-15T00:00:00Z"),
      invitations: [
        {
          email: "frank@ext.io",
          role: "member",
          sentAt: "2026-01-15T09:05:00Z",
          expiresAt: "2026-01-22T09:05:00Z",
          status: "expired",
        },
      ],
    });
    expect(report.status.overdue).toBe(true);
    expect(report.rows.map((r) => [r.email, r.flags])).toEqual([
      ["alice@acme.com", ["owner", "unchanged-over-review-period"]],
      ["bob@acme.com", ["unchanged-over-review-period"]],
      [
        "frank@ext.io",
        ["external-without-expiry", "invitation-past-expiry", "unchanged-over-review-period"],
      ],
    ]);
  });

  it("--github: each granting PR's approvers, read once per PR as the PR check reads them", async () => {
    const fake = new FakeGitHub("ghs_reviewToken0123456789", "acme", "access");
    await fake.start();
    try {
      for (const n of [1, 3, 5])
        fake.setPull({
          number: n,
          author: "alice-gh",
          baseSha: h.sha.create,
          baseRef: "main",
          headSha: `head${n}`,
        });
      fake.addReview(1, {
        user: { login: "bob-gh" },
        state: "APPROVED",
        commit_id: "head1",
        submitted_at: "2026-01-05T08:00:00Z",
      });
      // Stale approval (an earlier head) does not count.
      fake.addReview(3, {
        user: { login: "alice-gh" },
        state: "APPROVED",
        commit_id: "old",
        submitted_at: "2026-01-15T08:00:00Z",
      });
      fake.addReview(5, {
        user: { login: "bob-gh" },
        state: "APPROVED",
        commit_id: "head5",
        submitted_at: "2026-03-01T08:00:00Z",
      });
      const github = createGitHubClient({ token: fake.token, baseUrl: fake.url });
      const report = await buildAccessReview(git, {
        ref: h.sha.review,
        org: "acme",
        at: new Date("2026-03-10T00:00:00Z"),
        approversOf: async (pr) =>
          (await readPullRequest(github, { owner: "acme", repo: "access", number: pr })).approvers,
      });
      expect(report.rows.map((r) => [r.email, r.grantedBy.approvers])).toEqual([
        ["alice@acme.com", ["bob-gh"]],
        ["bob@acme.com", ["bob-gh"]],
        ["frank@ext.io", []],
      ]);
      const pullReads = fake.calls.filter((c) => /\/pulls\/\d+$/.test(c.path)).map((c) => c.path);
      expect(pullReads.sort()).toEqual([
        "/repos/acme/access/pulls/1",
        "/repos/acme/access/pulls/3",
        "/repos/acme/access/pulls/5",
      ]);
    } finally {
      await fake.close();
    }
  });
});
