import Database from "better-sqlite3";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openSqlite } from "../../controller/adapters/backends/sqlite/open.js";
import type { JournalEntry } from "../../controller/model/index.js";
import { GENESIS_HASH, journalHash } from "../../controller/model/index.js";

// A keyed journal chain (issue 13): someone who can write the file but has not the key cannot
// rewrite history and re-chain it so that `roster journal verify` passes.
const CLI = path.resolve("dist/controller/cli/main.js");
const KEY = "0123456789abcdef0123456789abcdef";
const dir = mkdtempSync(path.join(tmpdir(), "roster-journal-key-"));
const keyFile = path.join(dir, "journal.key");
writeFileSync(keyFile, `${KEY}\n`, { mode: 0o600 });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function roster(args: string[], env: NodeJS.ProcessEnv = {}) {
  const run = spawnSync(process.execPath, [CLI, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH, ...env },
    encoding: "utf8",
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

async function keyedJournal(name: string): Promise<string> {
  const file = path.join(dir, `${name}.db`);
  const opened = openSqlite(file, { journalKey: Buffer.from(KEY) });
  for (const [i, email] of ["a", "b", "c"].entries()) {
    await opened.state.appendJournal({
      time: `2024-01-10T09:0${i}:00.000Z`,
      org: "acme",
      action: "invite",
      email: `${email}@acme.com`,
      role: "member",
      revision: "r1",
      result: "applied",
    });
  }
  await opened.close();
  return file;
}

/** The attacker: edits an entry, then recomputes every hash and link without the key. */
function rewriteAndRechain(file: string): void {
  const db = new Database(file);
  try {
    db.prepare("UPDATE controller_journal SET role = 'admin' WHERE seq = 2").run();
    const rows = db.prepare("SELECT * FROM controller_journal ORDER BY seq").all() as Record<
      string,
      string | number | null
    >[];
    let prev = GENESIS_HASH;
    for (const row of rows) {
      const entry = {
        seq: row.seq,
        time: row.time,
        org: row.org,
        action: row.action,
        email: row.email ?? undefined,
        role: row.role ?? undefined,
        revision: row.revision,
        result: row.result,
        prevHash: prev,
      } as Omit<JournalEntry, "hash">;
      const hash = journalHash(entry);
      db.prepare("UPDATE controller_journal SET prev_hash = ?, hash = ? WHERE seq = ?").run(
        prev,
        hash,
        row.seq,
      );
      prev = hash;
    }
    // A thorough attacker moves the head anchor too (or the tail check alone would catch it).
    db.prepare(
      "UPDATE roster_meta SET value = ? || ':' || ? WHERE key = 'controller_journal_head'",
    ).run(String(rows.length), prev);
  } finally {
    db.close();
  }
}

describe("roster journal verify with a journal key", { timeout: 60_000 }, () => {
  it("passes the keyed journal with the key, from the file or the environment", async () => {
    const file = await keyedJournal("intact");
    const byFile = roster([
      "journal",
      "verify",
      "--backend",
      `sqlite:${file}`,
      "--journal-key-file",
      keyFile,
    ]);
    expect(byFile.code).toBe(0);
    expect(byFile.stdout).toMatch(/^journal intact: 3 entries/);
    const byEnv = roster(["journal", "verify", "--backend", `sqlite:${file}`], {
      ROSTER_JOURNAL_KEY: KEY,
    });
    expect(byEnv.code).toBe(0);
    // Someone else's key does not verify it.
    const wrong = roster(["journal", "verify", "--backend", `sqlite:${file}`], {
      ROSTER_JOURNAL_KEY: "another key, 16+ characters",
    });
    expect(wrong.code).toBe(1);
  });

  it("detects a rewritten and re-chained journal, which an unkeyed check cannot", async () => {
    const file = await keyedJournal("rewritten");
    rewriteAndRechain(file);
    const keyed = roster(["journal", "verify", "--backend", `sqlite:${file}`], {
      ROSTER_JOURNAL_KEY: KEY,
    });
    expect(keyed.code).toBe(1);
    expect(keyed.stderr).toContain("journal tampered: entry seq 1 was edited");
    // Without the key a consistent re-chained journal verifies: what docs/audit.md warns about.
    const unkeyed = roster(["journal", "verify", "--backend", `sqlite:${file}`]);
    expect(unkeyed.code, unkeyed.stderr).toBe(0);
  });

  it("refuses a key that is too short, and never prints the key", () => {
    const run = roster(["journal", "verify"], { ROSTER_JOURNAL_KEY: "short" });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/at least 16 characters/);
    expect(run.stderr).not.toContain("short\n");
  });
});
