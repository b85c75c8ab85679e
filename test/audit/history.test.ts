import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GitCli } from "../../controller/adapters/sources/git-cli.js";
import { GitHistoryCli } from "../../controller/adapters/sources/git-history-cli.js";
import { openGitRepository } from "../../controller/adapters/sources/git-repository.js";
import { parseGitSpec } from "../../controller/adapters/sources/git-spec.js";
import type { GitHistory } from "../../controller/audit/git-history.js";
import { buildHistory, pullRequestNumber } from "../../controller/audit/history.js";
import type { ScriptedHistory } from "./scripted-history.js";
import { buildScriptedHistory, expectedHistory } from "./scripted-history.js";

let h: ScriptedHistory;
let history: GitHistoryCli;

/** Records which files each commit asked to read: the proof that replay is incremental. */
class CountingHistory implements GitHistory {
  readonly reads: { sha: string; paths: string[] }[] = [];
  constructor(private readonly inner: GitHistory) {}
  commits(ref: string, p?: string) {
    return this.inner.commits(ref, p);
  }
  changedFiles(sha: string, parent: string | null, p?: string) {
    return this.inner.changedFiles(sha, parent, p);
  }
  readFiles(sha: string, paths: string[]) {
    this.reads.push({ sha, paths: [...paths].sort() });
    return this.inner.readFiles(sha, paths);
  }
}

beforeAll(() => {
  h = buildScriptedHistory();
  history = new GitHistoryCli(new GitCli({ env: h.repo.env }), {
    gitDir: path.join(h.repo.dir, ".git"),
  });
});

afterAll(async () => {
  await history.close();
  h.repo.cleanup();
});

describe("GitHistoryCli", () => {
  it("lists the first-parent line oldest first, merge commits with both parents", async () => {
    const commits = await history.commits(h.repo.head());
    expect(commits.map((c) => c.sha)).toEqual([
      h.sha.create,
      h.sha.addCarol,
      h.sha.merge12,
      h.sha.squash13,
      h.sha.broken,
      h.sha.fix,
      h.sha.readme,
      h.sha.dropGlobex,
    ]);
    const merge = commits[2]!;
    expect(merge.parents).toEqual([h.sha.addCarol, h.sha.branchWork]);
    expect(merge.subject).toBe("Merge pull request #12 from acme/promote-bob");
    expect(merge.author).toEqual({ name: "GitHub", email: "noreply@github.com" });
    expect(new Date(merge.date).toISOString()).toBe("2024-02-20T11:00:00.000Z");
  });

  it("gives the files a commit changed against its first parent, within a path", async () => {
    expect(await history.changedFiles(h.sha.merge12, h.sha.addCarol)).toEqual([
      "orgs/acme/members.yaml",
    ]);
    expect(await history.changedFiles(h.sha.create, null, "orgs/globex")).toEqual([
      "orgs/globex/members.yaml",
      "orgs/globex/org.yaml",
    ]);
    // Not from the log cache: any pair of commits works (carol.yaml came and went between them).
    expect(await history.changedFiles(h.sha.fix, h.sha.create, "orgs/acme")).toEqual([
      "orgs/acme/erin.yaml",
      "orgs/acme/members.yaml",
    ]);
  });

  it("reads files at a commit and leaves out the ones that do not exist there", async () => {
    const files = await history.readFiles(h.sha.addCarol, [
      "orgs/acme/carol.yaml",
      "orgs/acme/erin.yaml",
    ]);
    expect(files.map((f) => f.path)).toEqual(["orgs/acme/carol.yaml"]);
    expect(files[0]!.text).toContain("Carol@Acme.com");
  });
});

describe("buildHistory", () => {
  it("reports every membership change of the scripted history, exactly", async () => {
    const report = await buildHistory(history, { ref: h.repo.head() });
    expect(report.entries).toEqual(expectedHistory(h));
    expect(report.skipped).toHaveLength(1);
    expect(report.skipped[0]).toMatchObject({
      commit: h.sha.broken,
      date: "2024-03-20T10:00:00Z",
      subject: "Add erin",
    });
    expect(report.skipped[0]!.issues[0]).toMatchObject({
      file: "orgs/acme/erin.yaml",
      severity: "error",
    });
  });

  it("parses only the files each commit changed", async () => {
    const counting = new CountingHistory(history);
    await buildHistory(counting, { ref: h.repo.head() });
    expect(counting.reads.map((r) => [r.sha, r.paths])).toEqual([
      [
        h.sha.create,
        [
          "orgs/acme/members.yaml",
          "orgs/acme/org.yaml",
          "orgs/globex/members.yaml",
          "orgs/globex/org.yaml",
        ],
      ],
      [h.sha.addCarol, ["orgs/acme/carol.yaml"]],
      [h.sha.merge12, ["orgs/acme/members.yaml"]],
      [h.sha.squash13, ["orgs/acme/members.yaml"]],
      [h.sha.broken, ["orgs/acme/erin.yaml"]],
      [h.sha.fix, ["orgs/acme/carol.yaml", "orgs/acme/erin.yaml"]],
      [h.sha.dropGlobex, ["orgs/globex/members.yaml", "orgs/globex/org.yaml"]],
    ]);
  });

  it("filters by org, member (any case), since, and path", async () => {
    const all = expectedHistory(h) as { org: string; email: string; date: string }[];
    const head = h.repo.head();
    expect((await buildHistory(history, { ref: head, org: "globex" })).entries).toEqual(
      all.filter((e) => e.org === "globex"),
    );
    expect((await buildHistory(history, { ref: head, member: "CAROL@acme.com" })).entries).toEqual(
      all.filter((e) => e.email === "carol@acme.com"),
    );
    const since = await buildHistory(history, {
      ref: head,
      since: new Date("2024-03-05T15:00:00Z"),
    });
    expect(since.entries).toEqual(all.filter((e) => e.date >= "2024-03-05T15:00:00Z"));
    expect(since.skipped.map((s) => s.commit)).toEqual([h.sha.broken]);
    const late = await buildHistory(history, { ref: head, since: new Date("2024-03-22") });
    expect(late.skipped).toEqual([]);
    expect((await buildHistory(history, { ref: head, path: "orgs/globex" })).entries).toEqual(
      all.filter((e) => e.org === "globex"),
    );
  });

  it("reads a URL through the Git cache, and a local path in place, with the same result", async () => {
    const cacheRoot = path.join(h.repo.root, "cache");
    const url = await openGitRepository(
      parseGitSpec(`file://${h.repo.dir}`),
      { cacheRoot, env: h.repo.env },
      undefined,
    );
    const local = await openGitRepository(
      parseGitSpec(h.repo.dir),
      { cacheRoot, env: h.repo.env },
      "main",
    );
    try {
      expect(await url.resolve(undefined)).toBe(h.sha.dropGlobex);
      expect(await local.resolve("main")).toBe(h.sha.dropGlobex);
      const viaUrl = await buildHistory(url.history, { ref: await url.resolve("main") });
      expect(viaUrl.entries).toEqual(expectedHistory(h));
      expect(await local.resolve(undefined)).toBe(h.sha.dropGlobex);
      await expect(local.resolve("nope")).rejects.toThrow(/no branch, tag or commit named "nope"/);
    } finally {
      await url.close();
      await local.close();
    }
  });

  it("walks from an older ref", async () => {
    const report = await buildHistory(history, { ref: h.sha.merge12 });
    expect(report.entries).toEqual(expectedHistory(h).slice(0, 6));
  });
});

describe("pullRequestNumber", () => {
  it.each([
    ["Merge pull request #12 from acme/promote-bob", 12],
    ["Transfer ownership (#13)", 13],
    ["Add bob (#7) ", 7],
    ["Fix #12 typo", null],
    ["Merge branch 'main' into feature", null],
    ["Mention (#5) in the middle", null],
  ])("%s → %s", (subject, pr) => {
    expect(pullRequestNumber(subject)).toBe(pr);
  });
});
