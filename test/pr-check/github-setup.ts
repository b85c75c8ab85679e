import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createGitHubClient } from "../../controller/adapters/github/index.js";
import type { GitHubClient } from "../../controller/adapters/github/index.js";
import type { TestRepo } from "../audit/test-repo.js";
import { FakeGitHub } from "../fakes/github-api.js";
import type { M } from "./pr-repo.js";
import { orgFile, prRepo, pushHead, team } from "./pr-repo.js";

export const TOKEN = "ghs_fakeTokenForTests0123456789abcdef";
export const PR = { owner: "acme", repo: "access", number: 7 };

/**
 * A GitHub pull request end to end: `origin` (a real repository with `main` and the PR branch
 * `pr`), a clone of `main` only (the PR head must be fetched, as in CI), and the fake GitHub API
 * serving PR #7 from branch `pr` to `main`.
 */
export class GitHubPr {
  readonly origin: TestRepo;
  readonly clone: string;
  readonly cache: string;
  readonly fake = new FakeGitHub(TOKEN, PR.owner, PR.repo);
  readonly sleeps: number[] = [];
  base: string;
  head: string;

  constructor(head: readonly M[] | string, author = "bob-gh") {
    const created = prRepo(
      { "orgs/acme.yaml": orgFile("acme", team()) },
      { "orgs/acme.yaml": typeof head === "string" ? head : orgFile("acme", head) },
    );
    this.origin = created.repo;
    this.base = created.base;
    this.head = created.head;
    this.clone = path.join(this.origin.root, "clone");
    this.cache = mkdtempSync(path.join(os.tmpdir(), "roster-gh-cache-"));
    this.origin.git(
      [
        "clone",
        "-q",
        "--no-local",
        "--single-branch",
        "--branch",
        "main",
        this.origin.dir,
        this.clone,
      ],
      this.origin.root,
    );
    this.fake.setPull({
      number: PR.number,
      author,
      baseSha: this.base,
      baseRef: "main",
      headSha: this.head,
    });
  }

  async start(): Promise<this> {
    await this.fake.start();
    return this;
  }

  client(token = TOKEN): GitHubClient {
    return createGitHubClient({
      token,
      baseUrl: this.fake.url,
      sleep: (ms) => {
        this.sleeps.push(ms);
        return Promise.resolve();
      },
    });
  }

  /** The options `roster check --github --repo CLONE` runs with. */
  checkOptions(github = this.client()) {
    return { github, repo: this.clone, git: { cacheRoot: this.cache, env: this.origin.env } };
  }

  /** A push to the PR: a new head commit on origin, and the API now reports it. */
  push(members: readonly M[], date: string): string {
    this.head = pushHead(this.origin, { "orgs/acme.yaml": orgFile("acme", members) }, date);
    this.fake.setPull({
      number: PR.number,
      author: this.fake.pulls.get("7")!.author,
      baseSha: this.base,
      baseRef: "main",
      headSha: this.head,
    });
    return this.head;
  }

  approve(login: string, sha = this.head, at = "2024-05-03T10:00:00Z"): void {
    this.fake.addReview(PR.number, {
      user: { login },
      state: "APPROVED",
      commit_id: sha,
      submitted_at: at,
    });
  }

  async close(): Promise<void> {
    await this.fake.close();
    this.origin.cleanup();
    rmSync(this.cache, { recursive: true, force: true });
  }
}
