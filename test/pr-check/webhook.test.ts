import { spawn } from "node:child_process";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPullRequestChecks } from "../../controller/cli/pr-check/webhook.js";
import {
  repoSlugOfSource,
  withPullRequestChecks,
} from "../../controller/cli/pr-check/github-env.js";
import type { PullRequestRef } from "../../controller/adapters/github/index.js";
import {
  signGitHubPayload,
  verifyGitHubSignature,
} from "../../controller/server/controller/webhook-signature.js";
import { GitHubPr, PR, TOKEN } from "./github-setup.js";
import { CLI, team } from "./pr-repo.js";

// GitHub's published test vector (FACTS.md): the server runs with this very secret.
const SECRET = "It's a Secret to Everybody";
const VECTOR_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

const SLOW = { timeout: 180_000 };

function payload(event: string, action: string, repo = "acme/access"): string {
  const body: Record<string, unknown> = {
    action,
    number: PR.number,
    pull_request: { number: PR.number, head: { sha: "ignored: read from the API" } },
    repository: { full_name: repo },
  };
  if (event === "pull_request_review") body.review = { state: "approved" };
  return JSON.stringify(body);
}

async function deliver(
  url: string,
  event: string,
  body: string,
  signature = signGitHubPayload(SECRET, body),
) {
  const res = await fetch(`${url}/webhook`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-hub-signature-256": signature,
    },
    body,
  });
  return { status: res.status, body: (await res.json()) as { message?: string; error?: string } };
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("verifyGitHubSignature", () => {
  it("passes GitHub's published test vector and fails anything else", () => {
    expect(verifyGitHubSignature(SECRET, Buffer.from("Hello, World!"), VECTOR_SIGNATURE)).toBe(
      true,
    );
    expect(verifyGitHubSignature(SECRET, Buffer.from("Hello, World!!"), VECTOR_SIGNATURE)).toBe(
      false,
    );
    expect(verifyGitHubSignature("another", Buffer.from("Hello, World!"), VECTOR_SIGNATURE)).toBe(
      false,
    );
  });
});

describe("the pull-request webhook handler", () => {
  it("queues one check per PR event, coalesces repeats, ignores the rest", async () => {
    const ran: number[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const checks = createPullRequestChecks({
      repo: { owner: "acme", repo: "access" },
      check: async (pr: PullRequestRef) => {
        ran.push(pr.number);
        if (ran.length === 1) await gate;
        if (pr.number === 9) throw new Error("boom");
      },
      onError: (pr, error) => ran.push(-pr.number, (error as Error).message.length),
    });
    const event = (action: string, number: number, repo = "acme/access") => ({
      action,
      pull_request: { number },
      repository: { full_name: repo },
    });
    expect(checks.handles("pull_request")).toBe(true);
    expect(checks.handles("push")).toBe(false);
    expect(checks.onEvent("pull_request", event("opened", 7))).toEqual({
      accepted: true,
      message: "check of acme/access#7 queued (pull_request opened)",
    });
    await new Promise((r) => setTimeout(r, 0));
    expect(ran).toEqual([7]);
    // #7 is running (held by the gate): one more run is queued, and only one.
    expect(checks.onEvent("pull_request", event("synchronize", 7)).accepted).toBe(true);
    expect(checks.onEvent("pull_request_review", event("submitted", 7))).toEqual({
      accepted: true,
      message: "check of acme/access#7 already queued",
    });
    expect(checks.onEvent("pull_request", event("closed", 7))).toEqual({
      accepted: false,
      message: "pull_request action closed ignored",
    });
    expect(checks.onEvent("pull_request", event("opened", 7, "other/repo")).accepted).toBe(false);
    expect(checks.onEvent("issues", event("opened", 7))).toEqual({
      accepted: false,
      message: "event issues ignored",
    });
    expect(checks.onEvent("pull_request_review", event("dismissed", 9)).accepted).toBe(true);
    release();
    await checks.idle();
    expect(ran).toEqual([7, 7, 9, -9, 4]);
  });
});

describe("withPullRequestChecks (how roster run routes PR events)", () => {
  const next = (event: string) => ({ accepted: event === "push", message: `next saw ${event}` });
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const options = { repo: ".", git: { cacheRoot: ".roster/cache/git", env: {} }, log };

  it("without a GitHub token, every event goes on to the next handler", () => {
    expect(withPullRequestChecks(next, { ...options, env: {} })).toBe(next);
  });

  it("with a token, pull-request events go to the check and the rest to the next handler", () => {
    const onEvent = withPullRequestChecks(next, {
      ...options,
      env: { GITHUB_TOKEN: "t", GITHUB_API_URL: "http://127.0.0.1:9" },
    });
    expect(onEvent("push", {})).toEqual({ accepted: true, message: "next saw push" });
    // A local clone names no GitHub repository: no PR event is queued for any repository.
    expect(onEvent("pull_request", JSON.parse(payload("pull_request", "opened")))).toEqual({
      accepted: false,
      message: "pull_request ignored: the source . is not a GitHub repository URL (OWNER/REPO)",
    });
  });

  it("only the repository the controller follows has its PR events checked", () => {
    const onEvent = withPullRequestChecks(next, {
      ...options,
      repo: "https://x-access-token:secret@github.com/acme/access.git#main//orgs",
      env: { GITHUB_TOKEN: "t", GITHUB_API_URL: "http://127.0.0.1:9" },
    });
    expect(onEvent("pull_request", { action: "closed" })).toEqual({
      accepted: false,
      message: "pull_request action closed ignored",
    });
    const other = onEvent(
      "pull_request",
      JSON.parse(payload("pull_request", "opened", "evil/repo")),
    );
    expect(other).toEqual({ accepted: false, message: "evil/repo is not acme/access: ignored" });
  });

  it.each([
    ["https://github.com/acme/access.git", "acme/access"],
    ["https://github.example.com/acme/access#main//orgs", "acme/access"],
    ["git@github.com:acme/access.git", "acme/access"],
    ["ssh://git@github.com/acme/access", "acme/access"],
    ["/srv/access", undefined],
    ["https://github.com/acme", undefined],
  ])("repoSlugOfSource(%s) → %s", (source, slug) => {
    const ref = repoSlugOfSource(source);
    expect(ref === undefined ? undefined : `${ref.owner}/${ref.repo}`).toBe(slug);
  });
});

describe("roster github serve (the built CLI) with a fake GitHub", SLOW, () => {
  let pr: GitHubPr;
  let child: ChildProcessWithoutNullStreams;
  let url = "";
  const logs: { msg: string; [k: string]: unknown }[] = [];
  let stderr = "";
  let exited: Promise<number | null>;

  beforeAll(async () => {
    pr = await new GitHubPr(team({ carol: { role: "admin" } })).start();
    child = spawn(
      process.execPath,
      [
        CLI,
        "github",
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--repo",
        pr.clone,
        "--repo-slug",
        "acme/access",
      ],
      {
        cwd: pr.origin.root,
        env: {
          ...pr.origin.env,
          ROSTER_GITHUB_TOKEN: TOKEN,
          GITHUB_API_URL: pr.fake.url,
          ROSTER_WEBHOOK_SECRET: SECRET,
        },
      },
    );
    let buffered = "";
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) logs.push(JSON.parse(line) as { msg: string });
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    exited = new Promise((resolve) => child.on("close", (code) => resolve(code)));
    await waitFor(
      () => logs.some((l) => l.msg === "roster github webhook started"),
      `the server to start (${stderr})`,
    );
    url = String(logs.find((l) => l.msg === "roster github webhook started")?.url);
  });

  afterAll(async () => {
    child.kill("SIGTERM");
    await exited;
    await pr.close();
  });

  it("answers 401 to a bad signature and calls nobody", async () => {
    const body = payload("pull_request", "opened");
    const bad = await deliver(url, "pull_request", body, signGitHubPayload("wrong secret", body));
    expect(bad).toEqual({ status: 401, body: { error: "bad or missing X-Hub-Signature-256" } });
    const none = await fetch(`${url}/webhook`, {
      method: "POST",
      headers: { "x-github-event": "pull_request" },
      body,
    });
    expect(none.status).toBe(401);
    // GitHub's test vector verifies (the body is not JSON, so it is refused after verification).
    const vector = await deliver(url, "pull_request", "Hello, World!", VECTOR_SIGNATURE);
    expect(vector).toEqual({ status: 400, body: { error: "payload is not JSON" } });
    expect(pr.fake.calls).toEqual([]);
  });

  it("a pull_request delivery runs the check; a review delivery re-runs it and updates the one comment", async () => {
    const opened = await deliver(url, "pull_request", payload("pull_request", "opened"));
    expect(opened).toEqual({
      status: 202,
      body: { message: "check of acme/access#7 queued (pull_request opened)" },
    });
    await waitFor(() => pr.fake.comments.get("7")?.length === 1, `the first check (${stderr})`);
    expect(pr.fake.checkRuns.map((r) => [r.head_sha, r.conclusion])).toEqual([
      [pr.head, "failure"],
    ]);

    const ignored = await deliver(url, "pull_request", payload("pull_request", "closed"));
    expect(ignored).toEqual({
      status: 200,
      body: { message: "pull_request action closed ignored" },
    });
    const elsewhere = await deliver(
      url,
      "pull_request",
      payload("pull_request", "opened", "other/repo"),
    );
    expect(elsewhere.status).toBe(200);

    // The owner approves: GitHub sends pull_request_review submitted.
    pr.approve("alice-gh");
    const commentId = pr.fake.comments.get("7")![0]!.id;
    const reviewed = await deliver(
      url,
      "pull_request_review",
      payload("pull_request_review", "submitted"),
    );
    expect(reviewed.status).toBe(202);
    await waitFor(() => pr.fake.checkRuns.length === 2, `the second check (${stderr})`);
    await waitFor(() => pr.fake.calls.some((c) => c.method === "PATCH"), "the comment update");
    expect(pr.fake.checkRuns[1]?.conclusion).toBe("success");
    expect(pr.fake.comments.get("7")!.map((c) => c.id)).toEqual([commentId]);
    expect(pr.fake.comments.get("7")![0]!.body).toContain("### ✅ Roster check: allowed");
    expect(
      pr.fake.calls.filter((c) => c.method !== "GET").map((c) => `${c.method} ${c.path}`),
    ).toEqual([
      "POST /repos/acme/access/check-runs",
      "POST /repos/acme/access/issues/7/comments",
      "POST /repos/acme/access/check-runs",
      `PATCH /repos/acme/access/issues/comments/${commentId}`,
    ]);
    await waitFor(
      () => logs.filter((l) => l.msg === "pull request checked").length === 2,
      "the log lines",
    );
    expect(
      logs.filter((l) => l.msg === "pull request checked").map((l) => [l.pr, l.allowed, l.comment]),
    ).toEqual([
      [7, false, "created"],
      [7, true, "updated"],
    ]);
    const everything = JSON.stringify(logs) + stderr;
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(SECRET);
  });
});
