import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cliPath } from "./cli-helpers.js";
import { tempDir } from "./run-cli.js";

const tmp = tempDir("roster-first-hour-");
afterAll(() => tmp.cleanup());

/** The built CLI as a new user runs it: a real process, a pipe (not a terminal), no ROSTER_*. */
function roster(cwd: string, ...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env))
    if (/^(ROSTER_|NO_COLOR|FORCE_COLOR)/.test(name)) delete env[name];
  const r = spawnSync(process.execPath, [cliPath, ...args], { cwd, env, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync(
    "git",
    ["-c", "user.name=Alice", "-c", "user.email=alice@acme.com", ...args],
    {
      cwd,
      encoding: "utf8",
    },
  );
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

// The "done when": scaffold, first apply, a readable plan, never retyping --source/--backend.
describe("the first hour, as a new user types it", { timeout: 120_000 }, () => {
  it("init → commit → validate → apply → edit → plan → apply → plan", () => {
    const init = roster(tmp.dir, "init", "access", "--org", "acme", "--owner", "alice@acme.com");
    expect(init.code, init.stderr).toBe(0);
    const repo = path.join(tmp.dir, "access");
    expect(init.stdout).toContain('git init && git add . && git commit -m "Declare acme"');
    git(repo, "init", "-q");
    git(repo, "add", ".");
    git(repo, "commit", "-qm", "Declare acme");

    expect(roster(repo, "validate")).toMatchObject({
      code: 0,
      stdout: "valid: 1 organization, 1 member in 1 file\n",
    });
    const first = roster(repo, "apply", "--yes");
    expect(first.code, first.stderr).toBe(0);
    // .roster/ is ignored by the scaffolded .gitignore: no advice, and Git sees nothing new.
    expect(first.stderr).not.toContain("not ignored");
    expect(git(repo, "status", "--porcelain")).toBe("");

    appendFileSync(
      path.join(repo, "orgs/acme.yaml"),
      "---\napiVersion: roster.workjet.io/v1alpha1\nkind: Member\nmetadata:\n  name: bob\n" +
        "spec:\n  organization: acme\n  email: bob@acme.com\n  role: member\n",
    );
    const planned = roster(path.join(repo, "orgs"), "plan");
    expect(planned.code).toBe(2);
    expect(planned.stdout).toContain("  + invite bob@acme.com as member — ");
    expect(planned.stdout).toContain("1 change: 1 invite; 0 blocked, 0 warnings.");
    // Not a terminal: no colour codes in what a pipe or a log receives.
    expect(planned.stdout).not.toContain("\u001b[");

    expect(roster(repo, "apply", "--yes").code).toBe(0);
    const settled = roster(repo, "plan");
    expect(settled.code).toBe(0);
    expect(settled.stdout).toContain("No changes");
    expect(roster(repo, "journal", "verify").code).toBe(0);
  });

  it("a mistyped --backend on a read-only command creates nothing, in a real process too", () => {
    const r = roster(
      tmp.dir,
      "plan",
      "--source",
      path.resolve("examples/acme"),
      "--backend",
      "sqlite:typo/p.db",
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no Portal store at typo/p.db");
    expect(existsSync(path.join(tmp.dir, "typo"))).toBe(false);
    expect(roster(tmp.dir, "journal", "verify", "--backend", "sqlite:typo/p.db").code).toBe(3);
  });
});
