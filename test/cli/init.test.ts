import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cli, listTree, tempDir } from "./run-cli.js";

describe("roster init", { timeout: 60_000 }, () => {
  let tmp: ReturnType<typeof tempDir> | undefined;
  afterEach(() => tmp?.cleanup());

  it("scaffolds a repository that validates, applies and plans with no flags", async () => {
    tmp = tempDir();
    const run = await cli(["init", "access", "--org", "acme", "--owner", "alice@acme.com"], {
      cwd: tmp.dir,
    });
    expect(run.code, run.stderr).toBe(0);
    const repo = path.join(tmp.dir, "access");
    expect(listTree(repo)).toEqual([
      ".github",
      ".github/workflows",
      ".github/workflows/roster-check.yml",
      ".gitignore",
      "orgs",
      "orgs/acme.yaml",
      "roster.yaml",
    ]);
    expect(readFileSync(path.join(repo, ".github/workflows/roster-check.yml"), "utf8")).toBe(
      readFileSync("examples/github-actions/roster-check.yml", "utf8"),
    );
    expect(readFileSync(path.join(repo, ".gitignore"), "utf8")).toMatch(/^\.roster\/$/m);
    expect(run.stdout).toContain("Next:\n  cd access\n  roster validate");
    expect(run.stdout).toContain("the workflow pins @workjet/roster");

    const validated = await cli(["validate"], { cwd: repo });
    expect(validated.stdout).toBe("valid: 1 organization, 1 member in 1 file\n");
    const applied = await cli(["apply", "--yes"], { cwd: repo });
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain("+ createOrganization acme with owner alice@acme.com");
    expect(existsSync(path.join(repo, ".roster/portal.db"))).toBe(true);
    const planned = await cli(["plan"], { cwd: path.join(repo, "orgs") });
    expect(planned.code).toBe(0);
    expect(planned.stdout).toContain("No changes");
  });

  it("the org defaults to the folder's name and the owner to git's user.email", async () => {
    tmp = tempDir();
    const repo = path.join(tmp.dir, "initech");
    mkdirSync(repo);
    expect(spawnSync("git", ["init", "-q"], { cwd: repo }).status).toBe(0);
    expect(
      spawnSync("git", ["config", "user.email", "peter@initech.com"], { cwd: repo }).status,
    ).toBe(0);
    const run = await cli(["init"], { cwd: repo });
    expect(run.code, run.stderr).toBe(0);
    const org = readFileSync(path.join(repo, "orgs/initech.yaml"), "utf8");
    expect(org).toContain("  name: initech\n");
    expect(org).toContain("  email: peter@initech.com\n  role: owner\n");
    expect(org).toContain("  domains: [initech.com]\n");
    // Inside a work tree already: no `git init` advice, and `cd .` is not suggested.
    expect(run.stdout).not.toContain("git init");
    expect(run.stdout).not.toContain("  cd ");
  });

  it("extends an existing .gitignore once, and refuses to overwrite anything else", async () => {
    tmp = tempDir();
    writeFileSync(path.join(tmp.dir, ".gitignore"), "node_modules/");
    const opts = { cwd: tmp.dir };
    expect((await cli(["init", ".", "--org", "acme", "--owner", "a@acme.com"], opts)).code).toBe(0);
    expect(readFileSync(path.join(tmp.dir, ".gitignore"), "utf8")).toBe(
      "node_modules/\n# Roster's local store, outbox and caches: never commit them.\n.roster/\n",
    );
    const dir = tmp.dir;
    const contents = () =>
      listTree(dir).map((f) => {
        const full = path.join(dir, f);
        return [f, statSync(full).isFile() ? readFileSync(full, "utf8") : "folder"];
      });
    const before = contents();
    const again = await cli(["init", ".", "--org", "acme", "--owner", "a@acme.com"], opts);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      "already has roster.yaml, orgs/acme.yaml, .github/workflows/roster-check.yml: nothing written",
    );
    expect(contents()).toEqual(before);
  });

  it("a bad --org or --owner is refused by the same rules as any source, and nothing is written", async () => {
    tmp = tempDir();
    for (const [args, rule] of [
      [["--org", "Acme Inc", "--owner", "a@acme.com"], "schema"],
      [["--org", "acme", "--owner", "not-an-email"], "invalid-email"],
    ] as const) {
      const run = await cli(["init", "x", ...args], { cwd: tmp.dir });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`orgs/.*\\.yaml:\\d+:\\d+: ${rule}: `));
      expect(listTree(tmp.dir)).toEqual([]);
    }
  });

  it("without --owner and without git's user.email it asks for --owner", async () => {
    tmp = tempDir();
    const run = await cli(["init", "x", "--org", "acme"], {
      cwd: tmp.dir,
      env: { GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_SYSTEM: "/dev/null", HOME: tmp.dir },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("pass --owner EMAIL");
    expect(listTree(tmp.dir)).toEqual([]);
  });
});
