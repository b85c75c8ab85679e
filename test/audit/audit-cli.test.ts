import Database from "better-sqlite3";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqlite } from "../../controller/adapters/backends/sqlite/open.js";
import type { NewJournalEntry } from "../../controller/model/index.js";
import type { ScriptedHistory } from "./scripted-history.js";
import { buildScriptedHistory, expectedHistory } from "./scripted-history.js";

const CLI = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../dist/controller/cli/main.js",
);

let h: ScriptedHistory;

function roster(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [CLI, ...args], {
    cwd: h.repo.root,
    env: h.repo.env,
    encoding: "utf8",
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

beforeAll(() => {
  h = buildScriptedHistory();
});

afterAll(() => h.repo.cleanup());

// Each CLI run starts a Node process that loads every command: give the slow shared machine room.
const SLOW = { timeout: 180_000 };

describe("roster history", SLOW, () => {
  it("prints the exact JSON of the scripted history, and notes the skipped commit on stderr", () => {
    const run = roster(["history", "--repo", h.repo.dir, "-o", "json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(expectedHistory(h));
    const note = new RegExp(
      `^roster: note: commit ${h.sha.broken.slice(0, 12)} \\(2024-03-20T10:00:00Z\\) skipped, its YAML does not load: ` +
        `orgs/acme/erin\\.yaml:\\d+:\\d+: [\\w-]+: .*superuser.*; the state stays the previous valid commit's\n$`,
    );
    expect(run.stderr).toMatch(note);
  });

  it("filters by org and member, and writes CSV with a header and quoted fields", () => {
    const run = roster([
      "history",
      "--repo",
      h.repo.dir,
      "--member",
      "bob@ACME.com",
      "--since",
      "2024-03-01",
      "-o",
      "csv",
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      "commit,date,author,pr,org,email,change,from,to\n" +
        `${h.sha.squash13},2024-03-05T15:00:00Z,Alice Admin <alice@acme.com>,13,acme,bob@acme.com,ownershipTransferred,admin,owner\n`,
    );
    const fix = roster([
      "history",
      "--repo",
      `${h.repo.dir}//orgs/acme`,
      "--org",
      "acme",
      "--since",
      "2024-03-21",
      "-o",
      "csv",
    ]);
    expect(fix.stdout.split("\n").slice(1)).toEqual([
      `${h.sha.fix},2024-03-21T08:30:00Z,"Bob ""Bobby"" Builder, Jr <bob@acme.com>",,acme,erin@acme.com,granted,,member`,
      `${h.sha.fix},2024-03-21T08:30:00Z,"Bob ""Bobby"" Builder, Jr <bob@acme.com>",,acme,carol@acme.com,revoked,member,`,
      "",
    ]);
  });

  it("prints a table by default, with the PR numbers", () => {
    const run = roster(["history", "--repo", h.repo.dir, "--org", "acme", "--ref", h.sha.squash13]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^DATE +COMMIT +PR +ORG +EMAIL +CHANGE +FROM +TO +AUTHOR$/);
    expect(lines).toHaveLength(8);
    expect(lines[7]).toMatch(
      new RegExp(
        `^2024-03-05T15:00:00Z +${h.sha.squash13.slice(0, 12)} +#13 +acme +alice@acme.com +roleChanged +owner +admin +Alice Admin <alice@acme.com>$`,
      ),
    );
  });

  it("refuses bad input with exit 1 and a clear message", () => {
    expect(roster(["history", "--repo", h.repo.dir, "--since", "yesterday"])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('--since "yesterday" is not an ISO date or time'),
    });
    expect(roster(["history", "--repo", h.repo.dir, "--ref", "nope"])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('no branch, tag or commit named "nope"'),
    });
    expect(roster(["history", "--repo", path.join(h.repo.root, "missing")])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("no such folder"),
    });
    expect(roster(["history", "--repo", h.repo.dir, "-o", "xml"]).code).toBe(1);
  });
});

describe("roster access", SLOW, () => {
  it("shows the declared state at three instants", () => {
    const at = (instant: string) => {
      const run = roster([
        "access",
        "--repo",
        h.repo.dir,
        "--at",
        instant,
        "--org",
        "acme",
        "-o",
        "json",
      ]);
      expect(run.code).toBe(0);
      return JSON.parse(run.stdout) as unknown;
    };
    const m = (email: string, role: string, grantedIn: string) => ({
      org: "acme",
      email,
      role,
      grantedIn,
    });
    expect(at("2024-02-10")).toEqual({
      at: "2024-02-10T00:00:00Z",
      revision: h.sha.addCarol,
      members: [
        m("alice@acme.com", "owner", h.sha.create),
        m("bob@acme.com", "member", h.sha.create),
        m("carol@acme.com", "member", h.sha.addCarol),
      ],
    });
    expect(at("2024-02-20T12:30:00+01:00")).toEqual({
      at: "2024-02-20T11:30:00Z",
      revision: h.sha.merge12,
      members: [
        m("alice@acme.com", "owner", h.sha.create),
        m("bob@acme.com", "admin", h.sha.merge12),
        m("carol@acme.com", "member", h.sha.addCarol),
        m("dave@acme.com", "member", h.sha.merge12),
      ],
    });
    expect(at("2024-03-22T00:00:00Z")).toEqual({
      at: "2024-03-22T00:00:00Z",
      revision: h.sha.fix,
      members: [
        m("alice@acme.com", "admin", h.sha.squash13),
        m("bob@acme.com", "owner", h.sha.squash13),
        m("dave@acme.com", "member", h.sha.merge12),
        m("erin@acme.com", "member", h.sha.fix),
      ],
    });
  });

  it("with --backend: when the backend applied each role, and the gaps", async () => {
    const db = path.join(h.repo.root, "portal.db");
    const opened = openSqlite(db);
    const entry = (e: Partial<NewJournalEntry>): NewJournalEntry => ({
      time: "",
      org: "acme",
      action: "invite",
      revision: h.sha.create,
      result: "applied",
      ...e,
    });
    await opened.state.appendJournal(
      entry({
        time: "2024-01-10T09:01:00.000Z",
        action: "createOrganization",
        email: "alice@acme.com",
        role: "owner",
      }),
    );
    await opened.state.appendJournal(
      entry({ time: "2024-01-10T09:01:01.000Z", email: "bob@acme.com", role: "member" }),
    );
    await opened.close();
    const run = roster([
      "access",
      "--repo",
      h.repo.dir,
      "--at",
      "2024-02-10",
      "--org",
      "acme",
      "--backend",
      `sqlite:${db}`,
      "-o",
      "json",
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).members).toEqual([
      {
        org: "acme",
        email: "alice@acme.com",
        role: "owner",
        grantedIn: h.sha.create,
        appliedAt: "2024-01-10T09:01:00.000Z",
        gap: false,
      },
      {
        org: "acme",
        email: "bob@acme.com",
        role: "member",
        grantedIn: h.sha.create,
        appliedAt: "2024-01-10T09:01:01.000Z",
        gap: false,
      },
      {
        org: "acme",
        email: "carol@acme.com",
        role: "member",
        grantedIn: h.sha.addCarol,
        appliedAt: null,
        gap: true,
      },
    ]);
    const table = roster([
      "access",
      "--repo",
      h.repo.dir,
      "--at",
      "2024-02-10",
      "--org",
      "acme",
      "--backend",
      `sqlite:${db}`,
    ]);
    expect(table.stdout).toContain(`At 2024-02-10T00:00:00Z, revision ${h.sha.addCarol}`);
    expect(table.stdout).toMatch(/carol@acme\.com +member +[0-9a-f]{12} +GAP: never applied/);
    expect(
      roster([
        "access",
        "--repo",
        h.repo.dir,
        "--at",
        "2024-02-10",
        "--backend",
        `sqlite:${path.join(h.repo.root, "none.db")}`,
      ]),
    ).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("no Portal store at"),
    });
  });
});

describe("roster journal verify", SLOW, () => {
  async function journal(name: string): Promise<string> {
    const file = path.join(h.repo.root, `${name}.db`);
    const opened = openSqlite(file);
    for (const [i, email] of ["a", "b", "c", "d", "e"].entries()) {
      await opened.state.appendJournal({
        time: `2024-01-10T09:0${i}:00.000Z`,
        org: "acme",
        action: "invite",
        email: `${email}@acme.com`,
        role: "member",
        revision: h.sha.create,
        result: "applied",
      });
    }
    await opened.close();
    return file;
  }

  function tamper(file: string, sql: string): void {
    const db = new Database(file);
    db.exec(sql);
    db.close();
  }

  it("passes an intact journal with its count", async () => {
    const file = await journal("intact");
    const run = roster(["journal", "verify", "--backend", `sqlite:${file}`]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^journal intact: 5 entries, head [0-9a-f]{64}\n$/);
  });

  it("catches an edited entry", async () => {
    const file = await journal("edited");
    tamper(file, "UPDATE controller_journal SET role = 'admin' WHERE seq = 2");
    const run = roster(["journal", "verify", "--backend", `sqlite:${file}`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      "roster: journal tampered: entry seq 2 was edited: its content no longer matches its hash (5 entries read)\n",
    );
  });

  it("catches a deleted entry", async () => {
    const file = await journal("deleted");
    tamper(file, "DELETE FROM controller_journal WHERE seq = 3");
    const run = roster(["journal", "verify", "--backend", `sqlite:${file}`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "entry seq 3 deleted: seq 4 links to a hash that is not in the journal",
    );
  });

  it("catches reordered entries", async () => {
    const file = await journal("reordered");
    tamper(
      file,
      "UPDATE controller_journal SET seq = -1 WHERE seq = 3; UPDATE controller_journal SET seq = 3 WHERE seq = 4; UPDATE controller_journal SET seq = 4 WHERE seq = -1;",
    );
    const run = roster(["journal", "verify", "--backend", `sqlite:${file}`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("entry seq 3 was written as seq 4: the journal was reordered");
  });

  it("catches a cut tail with --head, the head an earlier verify printed", async () => {
    const file = await journal("cut");
    const head = /head ([0-9a-f]{64})/.exec(
      roster(["journal", "verify", "--backend", `sqlite:${file}`]).stdout,
    )?.[1];
    expect(head).toBeDefined();
    tamper(file, "DELETE FROM controller_journal WHERE seq >= 4");
    const run = roster(["journal", "verify", "--backend", `sqlite:${file}`, "--head", head!]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `the recorded head ${head} is no longer in the journal: entries after seq 3 were deleted`,
    );
  });
});
