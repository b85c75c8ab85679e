import { afterEach, describe, expect, it } from "vitest";
import {
  createGitHubClient,
  GitHubRateLimitError,
} from "../../controller/adapters/github/index.js";
import { COMMENT_MARKER, GITHUB_TEXT_LIMIT } from "../../controller/adapters/github/limits.js";
import { runGitHubCheck } from "../../controller/cli/pr-check/github-check.js";
import { renderPlanTable } from "../../controller/cli/render-plan.js";
import { GitHubPr, PR, TOKEN } from "./github-setup.js";
import type { M } from "./pr-repo.js";
import { team } from "./pr-repo.js";

const open: GitHubPr[] = [];
afterEach(async () => {
  for (const pr of open.splice(0)) await pr.close();
});

async function setup(head: readonly M[] | string, author?: string): Promise<GitHubPr> {
  const pr = await new GitHubPr(head, author).start();
  open.push(pr);
  return pr;
}

const promoteCarol = team({ carol: { role: "admin" } });

describe("roster check --github against a fake GitHub REST API (@octokit/rest)", () => {
  it("one check run per head, one comment created then updated in place; stale approvals ignored", async () => {
    const pr = await setup(promoteCarol);
    const human = pr.fake.addComment(PR.number, "carol-gh", "please promote me");
    const firstHead = pr.head;
    pr.approve("alice-gh", firstHead);
    // The clone holds main only, as a CI checkout may: the check fetches the PR head itself.
    const hasHead = () => {
      try {
        pr.origin.git(["cat-file", "-e", `${firstHead}^{commit}`], pr.clone);
        return true;
      } catch {
        return false;
      }
    };
    expect(hasHead()).toBe(false);

    const first = await runGitHubCheck(pr.checkOptions(), PR);
    expect(first.view.report.allowed).toBe(true);
    expect(first.comment.action).toBe("created");
    expect(hasHead()).toBe(true);
    expect(pr.fake.callLines()).toEqual([
      "GET /repos/acme/access/pulls/7",
      "GET /repos/acme/access/pulls/7/reviews",
      "POST /repos/acme/access/check-runs",
      "GET /repos/acme/access/issues/7/comments",
      "POST /repos/acme/access/issues/7/comments",
    ]);
    expect(pr.fake.calls[1]?.query.per_page).toBe("100");
    expect(pr.fake.checkRuns).toEqual([
      expect.objectContaining({
        name: "roster",
        head_sha: firstHead,
        status: "completed",
        conclusion: "success",
      }),
    ]);

    // A push: frank is added too; alice's approval was for the old head and is now stale.
    pr.push(
      team({ carol: { role: "admin" }, frank: { email: "frank@acme.com", role: "member" } }),
      "2024-05-04T10:00:00Z",
    );
    pr.fake.calls.length = 0;
    const second = await runGitHubCheck(pr.checkOptions(), PR);
    expect(second.view.report.allowed).toBe(false);
    expect(second.view.staleApprovers).toEqual(["alice-gh"]);
    expect(second.view.report.approvers).toEqual([]);
    expect(second.comment).toEqual({ id: first.comment.id, action: "updated" });
    expect(pr.fake.callLines()).toEqual([
      "GET /repos/acme/access/pulls/7",
      "GET /repos/acme/access/pulls/7/reviews",
      "POST /repos/acme/access/check-runs",
      "GET /repos/acme/access/issues/7/comments",
      `PATCH /repos/acme/access/issues/comments/${first.comment.id}`,
    ]);
    expect(pr.fake.checkRuns.map((r) => [r.head_sha, r.conclusion])).toEqual([
      [firstHead, "success"],
      [pr.head, "failure"],
    ]);
    const comments = pr.fake.comments.get("7")!;
    expect(comments.map((c) => c.id)).toEqual([human.id, first.comment.id]);
    expect(comments[0]?.body).toBe("please promote me");
    const body = comments[1]!.body;
    expect(body.startsWith(`${COMMENT_MARKER}\n### ❌ Roster check: denied`)).toBe(true);
    expect(body).toContain(`head \`${pr.head.slice(0, 12)}\``);
    expect(body).toContain("stale approvals ignored (a later push): `alice-gh`");
    // The denied change is annotated where head declares it.
    expect(pr.fake.checkRuns[1]?.output.annotations).toEqual([
      expect.objectContaining({
        path: "orgs/acme.yaml",
        annotation_level: "failure",
        title: "R4: roleChanged carol@acme.com",
      }),
    ]);

    // The same head again: nothing new to say, the comment is left as it is.
    pr.fake.calls.length = 0;
    const third = await runGitHubCheck(pr.checkOptions(), PR);
    expect(third.comment).toEqual({ id: first.comment.id, action: "unchanged" });
    expect(pr.fake.calls.filter((c) => c.method !== "GET").map((c) => c.path)).toEqual([
      "/repos/acme/access/check-runs",
    ]);
  });

  it("only the latest review per reviewer counts, across pages of 100", async () => {
    // carol (member) invites frank (R3: needs an admin) and promotes dave (R4: needs the owner).
    const pr = await setup(
      team({ dave: { role: "admin" }, frank: { email: "frank@acme.com", role: "member" } }),
      "carol-gh",
    );
    const at = (minute: number) => `2024-05-03T10:${String(minute).padStart(2, "0")}:00Z`;
    pr.approve("alice-gh", pr.head, at(1));
    pr.fake.addReview(PR.number, {
      user: { login: "erin-gh" },
      state: "CHANGES_REQUESTED",
      commit_id: pr.head,
      submitted_at: at(2),
    });
    for (let i = 0; i < 230; i++) {
      pr.fake.addReview(PR.number, {
        user: { login: `watcher-${i}` },
        state: "COMMENTED",
        commit_id: pr.head,
        submitted_at: at(3),
      });
    }
    // On the last page: alice changes her mind, erin approves.
    pr.fake.addReview(PR.number, {
      user: { login: "alice-gh" },
      state: "CHANGES_REQUESTED",
      commit_id: pr.head,
      submitted_at: at(50),
    });
    pr.approve("erin-gh", pr.head, at(51));

    const result = await runGitHubCheck(pr.checkOptions(), PR);
    expect(pr.fake.callLines().filter((l) => l.includes("/reviews"))).toEqual([
      "GET /repos/acme/access/pulls/7/reviews",
      "GET /repos/acme/access/pulls/7/reviews?page=2",
      "GET /repos/acme/access/pulls/7/reviews?page=3",
    ]);
    expect(result.view.report.approvers).toEqual(["erin-gh"]);
    expect(result.view.report.changes.map((c) => [c.email, c.satisfiedBy ?? "denied"])).toEqual([
      ["frank@acme.com", "erin-gh"],
      ["dave@acme.com", "denied"],
    ]);
    expect(pr.fake.checkRuns[0]?.conclusion).toBe("failure");
  });

  it("a 70,000-character plan: the comment is cut below 65,535 with a note, the check still posts", async () => {
    const many: Partial<M>[] = Array.from({ length: 760 }, (_, i) => ({
      email: `new.member.number.${String(i).padStart(4, "0")}@acme.com`,
      role: "member" as const,
    }));
    const pr = await setup(team(Object.fromEntries(many.map((m, i) => [`new-${i}`, m]))));
    const result = await runGitHubCheck(pr.checkOptions(), PR);
    expect(renderPlanTable(result.view.plan!).length).toBeGreaterThan(70_000);
    expect(result.view.report.allowed).toBe(true);
    const body = pr.fake.comments.get("7")![0]!.body;
    expect(body.length).toBeLessThanOrEqual(GITHUB_TEXT_LIMIT);
    expect(body.length).toBeGreaterThan(60_000);
    expect(body.startsWith(`${COMMENT_MARKER}\n### ✅ Roster check: allowed`)).toBe(true);
    expect(body).toContain("> **Truncated** to fit GitHub's 65,535-character limit");
    expect(body).toMatch(/more change(s)? not shown|more plan lines not shown/);
    expect(pr.fake.checkRuns).toEqual([expect.objectContaining({ conclusion: "success" })]);
    expect(pr.fake.checkRuns[0]!.output.summary.length).toBeLessThanOrEqual(GITHUB_TEXT_LIMIT);
  });

  it("more than 50 annotations: created with 50, the rest appended to the same run", async () => {
    const members = team(
      Object.fromEntries(
        Array.from({ length: 60 }, (_, i) => [
          `bad-${i}`,
          { email: `bad${i}@`, role: "member" as const },
        ]),
      ),
    );
    const pr = await setup(members);
    const result = await runGitHubCheck(pr.checkOptions(), PR);
    const errors = result.view.report.issues.filter((i) => i.severity === "error");
    expect(errors).toHaveLength(60);
    expect(pr.fake.callLines().filter((l) => l.includes("check-runs"))).toEqual([
      "POST /repos/acme/access/check-runs",
      `PATCH /repos/acme/access/check-runs/${result.checkRunId}`,
    ]);
    const run = pr.fake.checkRuns[0]!;
    expect(run.conclusion).toBe("failure");
    expect(run.output.annotations).toHaveLength(60);
    expect(run.output.annotations[0]).toMatchObject({
      path: "orgs/acme.yaml",
      start_line: errors[0]!.line,
      end_line: errors[0]!.line,
      start_column: errors[0]!.col,
      annotation_level: "failure",
      title: "invalid-email",
    });
  });

  it("honours Retry-After with a bounded wait; refuses to wait past the bound", async () => {
    const pr = await setup(promoteCarol);
    pr.fake.failNext(
      /\/pulls\/7$/,
      403,
      { "retry-after": "2", "x-ratelimit-remaining": "0" },
      "API rate limit exceeded",
    );
    await runGitHubCheck(pr.checkOptions(), PR);
    expect(pr.sleeps).toEqual([2000]);
    expect(pr.fake.callLines().slice(0, 2)).toEqual([
      "GET /repos/acme/access/pulls/7",
      "GET /repos/acme/access/pulls/7",
    ]);

    pr.fake.calls.length = 0;
    const reset = String(Math.floor(Date.now() / 1000) + 3600);
    pr.fake.failNext(
      /\/pulls\/7$/,
      403,
      { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset },
      "API rate limit exceeded",
    );
    const error = await runGitHubCheck(pr.checkOptions(), PR).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubRateLimitError);
    expect((error as Error).message).toMatch(
      /^GitHub rate limit reached; it resets in \d+ s, longer than the 60 s this command waits/,
    );
    expect(pr.sleeps).toEqual([2000]);
    expect(pr.fake.calls).toHaveLength(1);
  });

  it("a request GitHub never answers ends at the client's deadline; a retry gets a fresh one", async () => {
    const pr = await setup(promoteCarol);
    const github = createGitHubClient({
      token: TOKEN,
      baseUrl: pr.fake.url,
      timeoutMs: 300,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    });
    pr.fake.hangNext(/\/pulls\/7$/);
    const error = (await github.rest.pulls
      .get({ owner: "acme", repo: "access", pull_number: 7 })
      .catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/abort|timeout/i);
    // 429 then an answer: the wait (400 ms) outlasts the first deadline (300 ms), the retry still succeeds.
    pr.fake.failNext(/\/pulls\/7$/, 429, { "retry-after": "0.4" }, "slow down");
    const { data } = await github.rest.pulls.get({ owner: "acme", repo: "access", pull_number: 7 });
    expect(data.head.sha).toBe(pr.head);
  });

  it("a refused token fails with GitHub's message and never shows the token", async () => {
    const pr = await setup(promoteCarol);
    const wrong = "ghp_wrongTokenThatMustNotLeak000000";
    const error = (await runGitHubCheck(pr.checkOptions(pr.client(wrong)), PR).catch(
      (e: unknown) => e,
    )) as Error;
    expect(error.message).toMatch(/Bad credentials/);
    expect(error.message).not.toContain(wrong);
    expect(String(error.stack)).not.toContain(wrong);
    expect([...pr.fake.authorizations]).toEqual([`token ${wrong}`]);
    expect(pr.fake.checkRuns).toEqual([]);
    expect(TOKEN).not.toBe(wrong);
  });
});
