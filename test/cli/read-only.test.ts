import Database from "better-sqlite3";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cli, listTree, tempDir } from "./run-cli.js";

const acme = path.resolve("examples/acme");

// A typo in --backend must never become a new, empty store that plans "create everything".
describe("read-only commands never create a store", { timeout: 60_000 }, () => {
  let tmp: ReturnType<typeof tempDir> | undefined;
  afterEach(() => tmp?.cleanup());

  const readers: [string, (backend: string) => string[], number][] = [
    ["plan", (b) => ["plan", "--source", acme, "--backend", b], 1],
    ["plan -o json", (b) => ["plan", "--source", acme, "--backend", b, "-o", "json"], 1],
    ["export", (b) => ["export", "--backend", b], 1],
    ["serve", (b) => ["serve", "--backend", b, "--listen", "127.0.0.1:0"], 1],
    ["portal members", (b) => ["portal", "members", "acme", "--backend", b], 1],
    ["portal orgs", (b) => ["portal", "orgs", "--backend", b], 1],
    ["journal verify", (b) => ["journal", "verify", "--backend", b], 3],
    ["access --backend", (b) => ["access", "--repo", ".", "--at", "2026-01-01", "--backend", b], 1],
  ];

  it.each(readers)(
    "%s: an error naming the path and how to create it; nothing written",
    async (_, args, code) => {
      tmp = tempDir();
      const before = listTree(tmp.dir);
      const run = await cli(args("sqlite:typo/portal.db"), { cwd: tmp.dir });
      expect(run.code).toBe(code);
      expect(run.stderr).toContain("no Portal store at typo/portal.db");
      expect(run.stderr).toContain("roster portal init --backend sqlite:typo/portal.db");
      expect(run.stdout).toBe("");
      expect(listTree(tmp.dir)).toEqual(before);
    },
  );

  it("apply creates the store; plan then reads it; portal init makes an empty one, twice is a no-op", async () => {
    tmp = tempDir();
    const applied = await cli(["apply", "--source", acme, "--backend", "sqlite:s/p.db", "--yes"], {
      cwd: tmp.dir,
    });
    expect(applied.code).toBe(0);
    expect(existsSync(path.join(tmp.dir, "s/p.db"))).toBe(true);
    const planned = await cli(["plan", "--source", acme, "--backend", "sqlite:s/p.db"], {
      cwd: tmp.dir,
    });
    expect(planned.code).toBe(0);

    const first = await cli(["portal", "init", "--backend", "sqlite:empty/p.db"], { cwd: tmp.dir });
    expect(first).toMatchObject({
      code: 0,
      stdout: "created an empty Portal store at empty/p.db\n",
    });
    const again = await cli(["portal", "init", "--backend", "sqlite:empty/p.db"], { cwd: tmp.dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(
      "already holds a Portal store (0 organizations): nothing changed",
    );
    const orgs = await cli(["portal", "orgs", "--backend", "sqlite:empty/p.db", "-o", "json"], {
      cwd: tmp.dir,
    });
    expect(JSON.parse(orgs.stdout)).toEqual({ organizations: [] });
    // Planning against the empty store: everything to create, exit 2.
    const fresh = await cli(["plan", "--source", acme, "--backend", "sqlite:empty/p.db"], {
      cwd: tmp.dir,
    });
    expect(fresh.code).toBe(2);
  });

  it("portal init refuses a backend that is not the embedded store", async () => {
    tmp = tempDir();
    const run = await cli(["portal", "init", "--backend", "https://portal.example.com"], {
      cwd: tmp.dir,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("creates an embedded store (sqlite:PATH)");
    expect(listTree(tmp.dir)).toEqual([]);
  });

  it("journal verify: 0 intact, 1 tampered, 3 when there is nothing to verify", async () => {
    tmp = tempDir();
    const db = path.join(tmp.dir, "p.db");
    await cli(["apply", "--source", acme, "--backend", `sqlite:${db}`, "--yes"], { cwd: tmp.dir });
    const intact = await cli(["journal", "verify", "--backend", `sqlite:${db}`], { cwd: tmp.dir });
    expect(intact.code).toBe(0);
    const db2 = new Database(db);
    db2.prepare("UPDATE controller_journal SET role = 'owner' WHERE role = 'member'").run();
    db2.close();
    const tampered = await cli(["journal", "verify", "--backend", `sqlite:${db}`], {
      cwd: tmp.dir,
    });
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain("journal tampered");
    const missing = await cli(["journal", "verify", "--backend", "sqlite:none.db"], {
      cwd: tmp.dir,
    });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("cannot verify the journal: no Portal store at none.db");
  });
});

describe("a new store inside a Git work tree", { timeout: 60_000 }, () => {
  let tmp: ReturnType<typeof tempDir> | undefined;
  afterEach(() => tmp?.cleanup());

  const git = (cwd: string, ...args: string[]) =>
    expect(spawnSync("git", args, { cwd }).status).toBe(0);

  it("advises ignoring .roster/ when Git would not ignore it", async () => {
    tmp = tempDir();
    git(tmp.dir, "init", "-q");
    const run = await cli(["apply", "--source", acme, "--yes"], { cwd: tmp.dir });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      `roster: note: .roster/portal.db is inside the Git work tree ${tmp.dir} and not ignored: ` +
        `add ".roster/" to ${path.join(tmp.dir, ".gitignore")}`,
    );
  });

  it("says nothing when .gitignore already has it, or outside a work tree", async () => {
    tmp = tempDir();
    const repo = path.join(tmp.dir, "repo");
    mkdirSync(repo);
    git(repo, "init", "-q");
    writeFileSync(path.join(repo, ".gitignore"), ".roster/\n");
    const ignored = await cli(["portal", "init"], { cwd: repo });
    expect(ignored.code).toBe(0);
    expect(ignored.stderr).toBe("");
    const outside = path.join(tmp.dir, "plain");
    mkdirSync(outside);
    const plain = await cli(["portal", "init"], { cwd: outside });
    expect(plain.code).toBe(0);
    // tmp.dir itself may sit inside some repository on a developer machine: only assert no advice about the repo above.
    expect(plain.stderr).not.toContain(repo);
  });
});
