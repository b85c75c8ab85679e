import Database from "better-sqlite3";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PORTAL_MIGRATIONS } from "../../controller/adapters/backends/sqlite/portal-schema.js";
import { ServerProcess } from "../http/server-process.js";
import type { PlanJson } from "./harness.js";
import { E2E_TIMEOUT_MS, Workspace, stepsOf } from "./harness.js";

vi.setConfig({ testTimeout: E2E_TIMEOUT_MS, hookTimeout: 120_000 });

// The controller state as Roster wrote it before the backend held managed marks (its version 1):
// written out here, not taken from the code, so the test keeps describing the files users have.
const OLD_CONTROLLER_STATE = `
CREATE TABLE roster_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO roster_meta (key, value) VALUES ('controller_state_version', '1');
CREATE TABLE controller_journal (
  seq INTEGER PRIMARY KEY, time TEXT NOT NULL, org TEXT NOT NULL, action TEXT NOT NULL,
  email TEXT, role TEXT, from_value TEXT, to_value TEXT, revision TEXT NOT NULL,
  result TEXT NOT NULL CHECK (result IN ('applied', 'noop', 'failed')), error TEXT,
  prev_hash TEXT NOT NULL UNIQUE, hash TEXT NOT NULL UNIQUE
) STRICT;
CREATE INDEX controller_journal_by_org ON controller_journal (org, seq);
CREATE TABLE controller_managed_members (
  org TEXT NOT NULL, email TEXT NOT NULL, PRIMARY KEY (org, email)
) STRICT, WITHOUT ROWID;`;

const NOW = "2026-01-05T10:00:00.000Z";
const LATER = "2099-01-01T00:00:00.000Z";

/**
 * acme as an earlier Roster left it: alice (owner), bob, carol and dave active, erin invited.
 * Roster managed alice, bob, carol and erin, and frank, who has left since; dave was added in
 * the Portal. `beta` is another organization the state remembers.
 */
function seedOldPortal(db: Database.Database): void {
  db.exec(`
INSERT INTO organizations (id, slug, display_name, invite_expiry_seconds, created_at)
  VALUES (1, 'acme', 'acme', 604800, '${NOW}');
INSERT INTO users (email, created_at) VALUES
  ('alice@acme.com', '${NOW}'), ('bob@acme.com', '${NOW}'), ('carol@acme.com', '${NOW}'),
  ('dave@acme.com', '${NOW}');
INSERT INTO memberships (org_id, email, role, since) VALUES
  (1, 'alice@acme.com', 'owner', '${NOW}'), (1, 'bob@acme.com', 'member', '${NOW}'),
  (1, 'carol@acme.com', 'member', '${NOW}'), (1, 'dave@acme.com', 'member', '${NOW}');
INSERT INTO invitations (org_id, email, role, token_hash, invited_by, sent_at, expires_at)
  VALUES (1, 'erin@acme.com', 'member', 'old-token-hash', 'roster', '${NOW}', '${LATER}');`);
}

function seedOldManagedSet(db: Database.Database): void {
  db.exec(OLD_CONTROLLER_STATE);
  const insert = db.prepare("INSERT INTO controller_managed_members (org, email) VALUES (?, ?)");
  for (const email of ["alice", "bob", "carol", "erin", "frank"])
    insert.run("acme", `${email}@acme.com`);
  insert.run("beta", "zoe@beta.io");
}

function withDb<T>(file: string, body: (db: Database.Database) => T): T {
  const db = new Database(file);
  try {
    return body(db);
  } finally {
    db.close();
  }
}

function legacyRows(file: string): string[] {
  return withDb(file, (db) =>
    (
      db
        .prepare("SELECT org || ' ' || email FROM controller_managed_members ORDER BY 1")
        .pluck()
        .all() as string[]
    ).map(String),
  );
}

function journalMarks(file: string): string[] {
  return withDb(
    file,
    (db) =>
      db
        .prepare(
          "SELECT email FROM controller_journal WHERE action = 'markManaged' AND org = 'acme' ORDER BY seq",
        )
        .pluck()
        .all() as string[],
  );
}

const ACME_DECLARED = { "alice@acme.com": "owner", "bob@acme.com": "member" } as const;

let ws: Workspace | undefined;
let server: ServerProcess | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
  ws?.cleanup();
  ws = undefined;
});

describe("upgrading from a Roster that kept the managed set in the controller state", () => {
  it("sqlite: plan sees the old set, the first apply moves it into marks once", async () => {
    ws = new Workspace();
    const store = ws;
    withDb(store.db, (db) => {
      // The Portal store before marks (its version 1), and the old state in the same file.
      db.exec(PORTAL_MIGRATIONS[0]?.sql ?? "");
      db.pragma("user_version = 1");
      seedOldPortal(db);
      seedOldManagedSet(db);
    });
    store.declareOrg("acme", ACME_DECLARED, { unmanaged: "report" });

    const planned = await store.plan("-o", "json");
    expect(planned.code, planned.stderr).toBe(2);
    const plan = JSON.parse(planned.stdout) as PlanJson;
    // carol and erin were Roster's and are no longer declared; dave never was Roster's.
    expect(stepsOf(plan)).toEqual([
      "cancelInvite erin@acme.com member",
      "remove carol@acme.com member",
    ]);
    expect(plan.warnings).toContainEqual(
      expect.objectContaining({ email: "dave@acme.com", code: "unmanaged-member" }),
    );
    // A plan writes nothing: the old set is still there, nothing marked.
    expect(legacyRows(store.db)).toContain("acme carol@acme.com");
    expect(store.query("SELECT 1 FROM memberships WHERE managed = 1")).toEqual([]);

    const applied = await store.apply();
    expect(applied.code, applied.stderr).toBe(0);
    expect(store.members("acme")).toEqual({
      "alice@acme.com": "owner",
      "bob@acme.com": "member",
      "dave@acme.com": "member",
    });
    expect(store.invitations("acme")).toEqual({});
    expect(
      store.query<{ email: string }>(
        "SELECT email FROM memberships WHERE managed = 1 ORDER BY email",
      ),
    ).toEqual([{ email: "alice@acme.com" }, { email: "bob@acme.com" }]);
    // The move is journaled per record that still existed (frank had left), and the old
    // entries of acme are gone; beta's, an organization this source does not declare, stay.
    expect(journalMarks(store.db)).toEqual([
      "alice@acme.com",
      "bob@acme.com",
      "carol@acme.com",
      "erin@acme.com",
    ]);
    expect(legacyRows(store.db)).toEqual(["beta zoe@beta.io"]);
    const audit = store.query<{ reason: string }>(
      "SELECT reason FROM audit_events WHERE action = 'markManaged'",
    );
    expect(audit.map((a) => a.reason)).toContainEqual(expect.stringMatching(/earlier Roster/));

    // Once: the next apply has nothing to do and journals nothing more.
    const again = await store.apply();
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/No changes/);
    expect(journalMarks(store.db)).toHaveLength(4);
  });

  it("sqlite: a crash after the marks and before the old entries were dropped converges", async () => {
    ws = new Workspace();
    const store = ws;
    withDb(store.db, (db) => {
      db.exec(PORTAL_MIGRATIONS[0]?.sql ?? "");
      db.pragma("user_version = 1");
      seedOldPortal(db);
      seedOldManagedSet(db);
    });
    store.declareOrg("acme", ACME_DECLARED, { unmanaged: "report" });
    expect((await store.apply()).code).toBe(0);
    // As if the process died between the marks and the drop: the old entries are back.
    withDb(store.db, (db) => {
      const insert = db.prepare("INSERT INTO controller_managed_members VALUES ('acme', ?)");
      for (const email of ["alice", "bob", "carol"]) insert.run(`${email}@acme.com`);
    });
    const planned = await store.plan("-o", "json");
    expect(stepsOf(JSON.parse(planned.stdout) as PlanJson)).toEqual([]);
    const again = await store.apply();
    expect(again.code, again.stderr).toBe(0);
    expect(journalMarks(store.db)).toHaveLength(4);
    expect(legacyRows(store.db)).toEqual(["beta zoe@beta.io"]);
  });

  it("http: an old .roster/state.db is moved into the Portal's marks through roster serve", async () => {
    ws = new Workspace();
    const dir = ws.dir;
    // The Portal as it is today: acme with alice, bob and carol, none of them marked (as a store
    // migrated from before marks holds them).
    expect((await ws.roster(["portal", "init", "--backend", ws.backend])).code).toBe(0);
    ws.declareOrg("acme", {
      "alice@acme.com": "owner",
      "bob@acme.com": "member",
      "carol@acme.com": "member",
    });
    expect((await ws.apply()).code).toBe(0);
    for (const email of ["bob@acme.com", "carol@acme.com"]) {
      const accepted = await ws.roster([
        "portal",
        "accept",
        email,
        "--org",
        "acme",
        "--backend",
        ws.backend,
      ]);
      expect(accepted.code, accepted.stderr).toBe(0);
    }
    ws.exec("UPDATE memberships SET managed = 0");
    const key = await ws.roster([
      "portal",
      "create-key",
      "--org",
      "acme",
      "--email",
      "alice@acme.com",
      "--backend",
      ws.backend,
    ]);
    expect(key.code, key.stderr).toBe(0);
    const keyFile = path.join(dir, "alice.key");
    writeFileSync(keyFile, key.stdout);

    // The state an earlier Roster left in the working directory, the default --state.
    mkdirSync(path.join(dir, ".roster"), { recursive: true });
    const stateDb = path.join(dir, ".roster", "state.db");
    withDb(stateDb, (db) => {
      db.exec(OLD_CONTROLLER_STATE);
      const insert = db.prepare("INSERT INTO controller_managed_members VALUES ('acme', ?)");
      for (const email of ["alice", "bob", "carol"]) insert.run(`${email}@acme.com`);
    });

    server = await ServerProcess.start(["--backend", ws.backend, "--listen", "127.0.0.1:0"], dir);
    ws.declareOrg("acme", ACME_DECLARED, { unmanaged: "report" });
    const over = ["--source", ws.src, "--backend", server.url, "--token-file", keyFile];

    const planned = await ws.roster(["plan", ...over, "-o", "json"]);
    expect(planned.code, planned.stderr).toBe(2);
    expect(stepsOf(JSON.parse(planned.stdout) as PlanJson)).toEqual([
      "remove carol@acme.com member",
    ]);

    const applied = await ws.roster(["apply", ...over, "--yes"]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(ws.members("acme")).toEqual({ "alice@acme.com": "owner", "bob@acme.com": "member" });
    expect(
      ws.query<{ email: string }>("SELECT email FROM memberships WHERE managed = 1 ORDER BY email"),
    ).toEqual([{ email: "alice@acme.com" }, { email: "bob@acme.com" }]);
    expect(journalMarks(stateDb)).toEqual(["alice@acme.com", "bob@acme.com", "carol@acme.com"]);
    expect(legacyRows(stateDb)).toEqual([]);

    // A fresh checkout (no state.db) knows the same: the memory is in the Portal now.
    ws.declareOrg("acme", { "alice@acme.com": "owner" }, { unmanaged: "report" });
    const freshState = `sqlite:${path.join(dir, "fresh-state.db")}`;
    const elsewhere = await ws.roster(["plan", ...over, "-o", "json", "--state", freshState]);
    expect(elsewhere.code, elsewhere.stderr).toBe(2);
    expect(stepsOf(JSON.parse(elsewhere.stdout) as PlanJson)).toEqual([
      "remove bob@acme.com member",
    ]);
  });
});
