import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMENT_MARKER } from "../../controller/adapters/github/limits.js";
import type { PrRepo } from "./pr-repo.js";
import { orgFile, prRepo, roster, team } from "./pr-repo.js";

// Each run starts a Node process that loads every command: give the shared machine room.
const SLOW = { timeout: 180_000 };

let pr: PrRepo;
let broken: PrRepo;
let env: NodeJS.ProcessEnv;
const brokenText = orgFile("acme", team()).replace("  email: dave@acme.com\n", "  email: dave@\n");

beforeAll(() => {
  pr = prRepo(
    { "orgs/acme.yaml": orgFile("acme", team()) },
    { "orgs/acme.yaml": orgFile("acme", team({ carol: { role: "admin" } })) },
  );
  broken = prRepo({ "orgs/acme.yaml": orgFile("acme", team()) }, { "orgs/acme.yaml": brokenText });
  env = { ...pr.repo.env, NO_COLOR: "1" };
});

afterAll(() => {
  pr.repo.cleanup();
  broken.repo.cleanup();
});

const check = (repo: PrRepo, ...args: string[]) =>
  roster(
    ["check", "--repo", repo.repo.dir, "--base", "main", "--head", "pr", ...args],
    repo.repo.root,
    env,
  );

describe("roster check (the built CLI)", SLOW, () => {
  it("exit 1 when denied: the table names the rule and what is missing, then the plan", async () => {
    const run = await check(pr, "--author", "bob-gh");
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      "Roster check: DENIED — 1 of 1 membership change lacks the approval its rule needs",
    );
    expect(run.stdout).toMatch(
      /acme\s+carol@acme\.com\s+roleChanged\s+member\s+admin\s+R4\s+DENIED: needs the owner of acme among the author and approvers; the owner is alice@acme\.com \(GitHub alice-gh\)/,
    );
    expect(run.stdout).toContain("~ changeRole carol@acme.com member → admin");
  });

  it("exit 0 when allowed, with the documented JSON", async () => {
    const run = await check(
      pr,
      "--author",
      "bob-gh",
      "--approver",
      "erin-gh",
      "--approver",
      "Alice-GH",
      "-o",
      "json",
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(["allowed", "changes", "issues", "plan"]);
    expect(json.allowed).toBe(true);
    expect(json.changes).toEqual([
      {
        org: "acme",
        email: "carol@acme.com",
        change: "roleChanged",
        from: "member",
        to: "admin",
        rule: "R4",
        satisfiedBy: "Alice-GH",
      },
    ]);
    expect(json.issues).toEqual([]);
    expect(json.plan).toMatchObject({
      revision: pr.head,
      steps: [
        { action: "changeRole", org: "acme", email: "carol@acme.com", from: "member", to: "admin" },
      ],
    });
  });

  it("invalid YAML at head: exit 1 with file:line:col", async () => {
    const run = await check(broken, "--author", "alice-gh");
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("Roster check: DENIED — head does not validate (1 error)");
    const at = brokenText.split("\n").indexOf("  email: dave@") + 1;
    expect(run.stdout).toContain(
      `  orgs/acme.yaml:${at}:10: invalid-email: "dave@" is not a valid email address\n`,
    );
    const json = JSON.parse((await check(broken, "--author", "alice-gh", "-o", "json")).stdout) as {
      allowed: boolean;
      changes: unknown[];
      issues: { file: string; line: number; col: number; severity: string }[];
    };
    expect(json.allowed).toBe(false);
    expect(json.changes).toEqual([]);
    expect(json.issues).toEqual([
      expect.objectContaining({
        file: "orgs/acme.yaml",
        severity: "error",
        line: expect.any(Number),
      }),
    ]);
  });

  it("-o markdown prints the PR comment body", async () => {
    const run = await check(pr, "--author", "bob-gh", "-o", "markdown");
    expect(run.code).toBe(1);
    expect(run.stdout.startsWith(`${COMMENT_MARKER}\n### ❌ Roster check: denied\n`)).toBe(true);
    expect(run.stdout).toContain(
      "| ❌ | acme | carol@acme.com | roleChanged member → admin | R4 |",
    );
    expect(run.stdout).toContain(
      "<details><summary>Plan: 1 change: 1 role change; 0 blocked, 0 warnings.</summary>",
    );
  });

  it("--backend plans against the real backend instead of against base", async () => {
    const db = path.join(pr.repo.root, "portal.db");
    // The backend holds base (main is checked out), as after the last merge was applied.
    const apply = await roster(
      ["apply", "--source", path.join(pr.repo.dir, "orgs"), "--backend", `sqlite:${db}`, "--yes"],
      pr.repo.root,
      env,
    );
    expect(apply.code).toBe(0);
    const run = await check(pr, "--author", "alice-gh", "--backend", `sqlite:${db}`, "-o", "json");
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as { plan: { steps: { action: string; email: string }[] } };
    // In the store carol's invitation is still pending: the real plan re-invites her as admin,
    // where the plan against base (an active member) would change her role.
    expect(json.plan.steps).toEqual([
      {
        action: "invite",
        org: "acme",
        email: "carol@acme.com",
        role: "admin",
        reason:
          "declared as admin in acme; the pending invitation is for member: re-invited as admin",
      },
    ]);
  });

  it("usage errors exit 1 with what to do", async () => {
    const missing = await roster(
      ["check", "--repo", pr.repo.dir, "--base", "main"],
      pr.repo.root,
      env,
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      "roster: missing --head, --author (or use --github --repo-slug OWNER/REPO --pr N)\n",
    );
    const mixed = await check(pr, "--author", "x", "--pr", "3");
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toBe("roster: --pr needs --github\n");
    const noToken = await roster(
      ["check", "--github", "--repo-slug", "acme/access", "--pr", "3"],
      pr.repo.root,
      { ...env, GITHUB_TOKEN: "", ROSTER_GITHUB_TOKEN: "" },
    );
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(
      /^roster: no GitHub token: set ROSTER_GITHUB_TOKEN or GITHUB_TOKEN/,
    );
  });
});
