import Database from "better-sqlite3";
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteControllerState } from "../../controller/adapters/backends/sqlite/controller-state.js";
import { openSqlite } from "../../controller/adapters/backends/sqlite/open.js";
import { verifyJournal } from "../../controller/audit/journal-verify.js";
import type { JournalRecord, UnhashedRecord } from "../../controller/model/index.js";
import { GENESIS_HASH, journalCanonical, journalHash } from "../../controller/model/index.js";
import { MemoryState } from "../apply/memory-state.js";
import { CLI, cleanEnv } from "../e2e-apply/harness.js";
import { tempDir } from "../sqlite/helpers.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function verify(file: string, ...extra: string[]) {
  const run = spawnSync(
    process.execPath,
    [CLI, "journal", "verify", "--backend", `sqlite:${file}`, ...extra],
    { env: cleanEnv(), encoding: "utf8" },
  );
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function exec(file: string, sql: string): void {
  const db = new Database(file);
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

/** A store whose journal holds `n` closed write-ahead pairs (intent, outcome): 2n entries. */
async function journal(n: number): Promise<string> {
  const dir = tempDir("roster-anchor-");
  dirs.push(dir);
  const file = path.join(dir, "portal.db");
  const opened = openSqlite(file);
  for (let i = 0; i < n; i++) {
    const step = {
      org: "acme",
      action: "invite",
      email: `u${i}@acme.com`,
      role: "member",
      revision: "r1",
    };
    const intent = await opened.state.appendIntent({
      ...step,
      time: `2026-01-01T00:00:0${i}.000Z`,
      key: `k${i}`,
    });
    await opened.state.appendJournal({
      ...step,
      time: `2026-01-01T00:00:0${i}.500Z`,
      result: "applied",
      intent: intent.seq,
    });
  }
  await opened.close();
  return file;
}

const headOf = (stdout: string) => /(\d+) entries, head ([0-9a-f]{64})/.exec(stdout)!.slice(1);

describe("roster journal verify: a cut tail is detected", { timeout: 60_000 }, () => {
  it("deleting the last rows fails verify with no flag at all: the head anchor remembers", async () => {
    const file = await journal(4);
    expect(verify(file)).toMatchObject({ code: 0, stdout: expect.stringContaining("8 entries") });
    exec(file, "DELETE FROM controller_journal WHERE seq > 5");
    const run = verify(file);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "the journal ends at seq 5 but its head anchor records seq 8: entries seq 6–8 deleted",
    );
  });

  it("deleting the anchor too is detected; a forged anchor is caught by --expect-head", async () => {
    const file = await journal(3);
    const [count, head] = headOf(verify(file).stdout);
    exec(file, "DELETE FROM controller_journal WHERE seq > 4");
    exec(file, "DELETE FROM roster_meta WHERE key = 'controller_journal_head'");
    expect(verify(file).stderr).toContain("head anchor is missing or unreadable");
    // The thorough attacker points the anchor at the new last entry: only a head kept
    // elsewhere (the auditor's notes, a CI log) can tell now.
    const db = new Database(file);
    const last = db
      .prepare("SELECT seq, hash FROM controller_journal ORDER BY seq DESC LIMIT 1")
      .get() as { seq: number; hash: string };
    db.prepare("INSERT INTO roster_meta (key, value) VALUES ('controller_journal_head', ?)").run(
      `${last.seq}:${last.hash}`,
    );
    db.close();
    expect(verify(file).code).toBe(0);
    const run = verify(file, "--expect-head", `${count}:${head}`);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `the expected head ${count}:${head} is gone: the journal ends at seq 4`,
    );
  });

  it("--expect-head passes on a longer journal and refuses a malformed value", async () => {
    const file = await journal(2);
    const [count, head] = headOf(verify(file).stdout);
    const opened = openSqlite(file, { create: false });
    await opened.state.appendJournal({
      time: "2026-01-02T00:00:00.000Z",
      org: "acme",
      action: "remove",
      email: "u0@acme.com",
      revision: "r2",
      result: "applied",
    });
    await opened.close();
    expect(verify(file, "--expect-head", `${count}:${head}`).code).toBe(0);
    expect(verify(file, "--expect-head", `${count}:${"0".repeat(64)}`)).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("the journal was rewritten from there"),
    });
    expect(verify(file, "--expect-head", head!)).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("--expect-head must be N:HASH"),
    });
  });

  it("an outcome closing an intent twice, or one of another step, is reported", async () => {
    const state = new MemoryState();
    const step = {
      org: "acme",
      action: "invite",
      email: "a@acme.com",
      role: "member",
      revision: "r",
    };
    const first = await state.appendIntent({
      ...step,
      time: "2026-01-01T00:00:00.000Z",
      key: "k1",
    });
    await state.appendJournal({
      ...step,
      time: "2026-01-01T00:00:01.000Z",
      result: "applied",
      intent: first.seq,
    });
    expect(verifyJournal(state.chain)).toMatchObject({ ok: true, count: 2 });
    // Forged with a valid hash (an unkeyed chain): a second outcome for the same intent.
    const forge = (fields: object) => {
      const last = state.chain.at(-1)!;
      const unhashed = {
        ...step,
        time: "2026-01-01T00:00:02.000Z",
        result: "applied",
        ...fields,
        seq: last.seq + 1,
        prevHash: last.hash,
      } as UnhashedRecord;
      return [...state.chain, { ...unhashed, hash: journalHash(unhashed) } as JournalRecord];
    };
    expect(verifyJournal(forge({ intent: first.seq }))).toMatchObject({
      ok: false,
      problem: "unmatched",
      message: "entry seq 3 closes intent seq 1, which already has an outcome",
    });
    const open = await state.appendIntent({ ...step, time: "2026-01-01T00:00:03.000Z", key: "k2" });
    expect(verifyJournal(state.chain)).toMatchObject({ ok: true, openIntents: [open.seq] });
    expect(verifyJournal(forge({ intent: open.seq, email: "b@acme.com" }))).toMatchObject({
      ok: false,
      message: `entry seq 4 closes intent seq ${open.seq}, which is not an earlier intent of the same step`,
    });
    expect(verifyJournal(forge({ intent: 99 }))).toMatchObject({ ok: false, problem: "unmatched" });
  });

  it("verify resolves an interrupted write whose writer is gone, and names the live ones", async () => {
    const file = await journal(1);
    const db = new Database(file);
    // A writer on this host that no longer runs (pid 2^22 + 1 exceeds Linux's pid_max), and one that does.
    const opened = openSqlite(file, { create: false });
    const gone = await opened.state.appendIntent({
      time: new Date().toISOString(),
      org: "acme",
      action: "invite",
      email: "x@acme.com",
      role: "member",
      revision: "r1",
      key: "kx",
    });
    const live = await opened.state.appendIntent({
      time: new Date().toISOString(),
      org: "acme",
      action: "invite",
      email: "y@acme.com",
      role: "member",
      revision: "r1",
      key: "ky",
    });
    await opened.close();
    db.prepare("UPDATE controller_open_intents SET pid = ? WHERE seq = ?").run(4_194_305, gone.seq);
    db.prepare("UPDATE controller_open_intents SET pid = ? WHERE seq = ?").run(
      process.pid,
      live.seq,
    );
    db.close();
    const run = verify(file);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("5 entries");
    expect(run.stderr).toContain("resolved 1 interrupted write(s)");
    expect(run.stderr).toContain(
      `1 write(s) in flight or not resolvable yet (intent seq ${live.seq})`,
    );
  });
});

describe("controller-state migration 2", () => {
  it("keeps a version-1 journal's entries and hashes, and anchors its head", async () => {
    const dir = tempDir("roster-v1-");
    dirs.push(dir);
    const file = path.join(dir, "state.db");
    const db = new Database(file);
    db.exec(`CREATE TABLE roster_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      INSERT INTO roster_meta VALUES ('controller_state_version', '1');
      CREATE TABLE controller_journal (seq INTEGER PRIMARY KEY, time TEXT NOT NULL, org TEXT NOT NULL,
        action TEXT NOT NULL, email TEXT, role TEXT, from_value TEXT, to_value TEXT, revision TEXT NOT NULL,
        result TEXT NOT NULL CHECK (result IN ('applied', 'noop', 'failed')), error TEXT,
        prev_hash TEXT NOT NULL UNIQUE, hash TEXT NOT NULL UNIQUE) STRICT;
      CREATE TABLE controller_managed_members (org TEXT NOT NULL, email TEXT NOT NULL,
        PRIMARY KEY (org, email)) STRICT, WITHOUT ROWID;`);
    let prev = GENESIS_HASH;
    for (let seq = 1; seq <= 3; seq++) {
      const entry = {
        seq,
        time: `2025-01-0${seq}T00:00:00.000Z`,
        org: "acme",
        action: "invite",
        email: `v${seq}@acme.com`,
        role: "member",
        revision: "old",
        result: "applied" as const,
        prevHash: prev,
      };
      const hash = createHash("sha256").update(journalCanonical(entry)).digest("hex");
      db.prepare(
        "INSERT INTO controller_journal (seq, time, org, action, email, role, revision, result, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      ).run(
        seq,
        entry.time,
        entry.org,
        entry.action,
        entry.email,
        entry.role,
        entry.revision,
        entry.result,
        prev,
        hash,
      );
      prev = hash;
    }
    db.close();
    const state = SqliteControllerState.open(file);
    expect(state.verifyJournal()).toEqual({ ok: true, entries: 3 });
    expect(await state.recordedHead()).toEqual({ seq: 3, hash: prev });
    expect((await state.readJournal()).map((e) => e.email)).toEqual([
      "v1@acme.com",
      "v2@acme.com",
      "v3@acme.com",
    ]);
    const next = await state.appendIntent({
      time: "2026-01-01T00:00:00.000Z",
      org: "acme",
      action: "remove",
      email: "v1@acme.com",
      revision: "new",
      key: "k",
    });
    expect(next).toMatchObject({ seq: 4, prevHash: prev, kind: "intent" });
    await state.close();
  });
});
