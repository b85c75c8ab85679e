import Database from "better-sqlite3";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../controller/adapters/backends/sqlite/database.js";
import type { Migration } from "../../controller/adapters/backends/sqlite/migrations.js";
import {
  USER_VERSION_TRACK,
  metaTrack,
  migrate,
} from "../../controller/adapters/backends/sqlite/migrations.js";
import { PORTAL_MIGRATIONS } from "../../controller/adapters/backends/sqlite/portal-schema.js";
import { PortalStore } from "../../controller/adapters/backends/sqlite/store.js";
import { BackendError } from "../../controller/model/index.js";
import type { TempStore } from "./helpers.js";
import { openTempStore, seedAcme, tempDir } from "./helpers.js";

let t: TempStore | undefined;
const dirs: string[] = [];
afterEach(() => {
  t?.cleanup();
  t = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A raw connection, bypassing the store: the schema alone must hold the rules. */
function raw(file: string): Database.Database {
  const db = new Database(file);
  db.pragma("foreign_keys = ON");
  return db;
}

describe("Portal schema (R2 and friends in SQL, not just code)", () => {
  it("the partial unique index refuses a second owner even through raw SQL", async () => {
    t = openTempStore();
    await seedAcme(t.store);
    const db = raw(t.file);
    try {
      expect(() =>
        db.prepare("UPDATE memberships SET role = 'owner' WHERE email = 'adam@acme.com'").run(),
      ).toThrow(/UNIQUE constraint failed: memberships.org_id/);
      db.prepare("INSERT INTO users (email, created_at) VALUES ('eve@acme.com', 'x')").run();
      expect(() =>
        db
          .prepare(
            "INSERT INTO memberships (org_id, email, role, since) SELECT id, 'eve@acme.com', 'owner', 'x' FROM organizations",
          )
          .run(),
      ).toThrow(/UNIQUE constraint failed/);
      expect(
        db.prepare("SELECT count(*) FROM memberships WHERE role = 'owner'").pluck().get(),
      ).toBe(1);
    } finally {
      db.close();
    }
  });

  it("refuses deleting the owner, unknown roles, owner invitations, two pending invitations, raw e-mail case", async () => {
    t = openTempStore();
    await seedAcme(t.store);
    const db = raw(t.file);
    try {
      expect(() => db.prepare("DELETE FROM memberships WHERE role = 'owner'").run()).toThrow(/R2/);
      expect(() =>
        db.prepare("UPDATE memberships SET role = 'superuser' WHERE email = 'mia@acme.com'").run(),
      ).toThrow(/CHECK constraint failed/);
      const invite = db.prepare(
        `INSERT INTO invitations (org_id, email, role, token_hash, invited_by, sent_at, expires_at)
         VALUES (1, ?, ?, ?, 'test', 'x', 'y')`,
      );
      expect(() => invite.run("zoe@acme.com", "owner", "h1")).toThrow(/CHECK constraint failed/);
      invite.run("zoe@acme.com", "member", "h2");
      expect(() => invite.run("zoe@acme.com", "admin", "h3")).toThrow(/UNIQUE constraint failed/);
      expect(() =>
        db.prepare("INSERT INTO users (email, created_at) VALUES ('Bob@Acme.com', 'x')").run(),
      ).toThrow(/CHECK constraint failed/);
    } finally {
      db.close();
    }
  });
});

describe("migrations", () => {
  it("the one-domain migration keeps the first claim and audits each released one", () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = path.join(dir, "portal.db");
    const db = raw(file);
    try {
      const v1 = PORTAL_MIGRATIONS.filter((m) => m.version === 1);
      migrate(db, USER_VERSION_TRACK, v1);
      const org = db.prepare(
        "INSERT INTO organizations (slug, display_name, invite_expiry_seconds, created_at) VALUES (?, ?, 60, 't')",
      );
      for (const slug of ["acme", "copycat"]) org.run(slug, slug);
      const claim = db.prepare("INSERT INTO organization_domains (domain, org_id) VALUES (?, ?)");
      claim.run("acme.com", 1);
      claim.run("acme.com", 2);
      claim.run("copycat.com", 2);
    } finally {
      db.close();
    }
    const store = PortalStore.open(file);
    try {
      expect(store.snapshot("acme")?.settings.domains).toEqual(["acme.com"]);
      expect(store.snapshot("copycat")?.settings.domains).toEqual(["copycat.com"]);
      expect(store.listAudit({ kind: "system", name: "t" }, "copycat").items).toMatchObject([
        {
          actor: "system:migration",
          action: "releaseDomain",
          target: "acme.com",
          reason: "a domain belongs to at most one organization; acme claimed it first",
        },
      ]);
    } finally {
      store.close();
    }
  });

  it("versions the file in user_version and re-opening applies nothing twice", () => {
    t = openTempStore();
    const db = raw(t.file);
    try {
      expect(db.pragma("user_version", { simple: true })).toBe(PORTAL_MIGRATIONS.length);
      expect(migrate(db, USER_VERSION_TRACK, PORTAL_MIGRATIONS)).toEqual({
        from: PORTAL_MIGRATIONS.length,
        to: PORTAL_MIGRATIONS.length,
        applied: [],
      });
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    } finally {
      db.close();
    }
    // A second store on the same file migrates nothing and sees the same tables.
    const again = PortalStore.open(t.file);
    expect(again.listOrganizations({ kind: "system", name: "t" })).toEqual([]);
    again.close();
  });

  it("applies each step in its own transaction: a failing step leaves the file at the step before", () => {
    const dir = tempDir();
    dirs.push(dir);
    const db = openDatabase(path.join(dir, "m.db"));
    try {
      const steps: Migration[] = [
        { version: 1, description: "a", sql: "CREATE TABLE a (x INTEGER)" },
        { version: 2, description: "b", sql: "CREATE TABLE b (y INTEGER); CREATE TABLE a (dup)" },
      ];
      expect(() => migrate(db, USER_VERSION_TRACK, steps)).toThrow(/already exists/);
      expect(db.pragma("user_version", { simple: true })).toBe(1);
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'b'").get()).toBeUndefined();
      expect(() =>
        migrate(db, USER_VERSION_TRACK, [{ version: 2, description: "gap", sql: "" }]),
      ).toThrow(/numbered 1, 2, 3/);
    } finally {
      db.close();
    }
  });

  it("refuses a file from a newer Roster with a clear error, touching nothing", () => {
    t = openTempStore();
    t.store.close();
    const db = raw(t.file);
    db.pragma(`user_version = ${PORTAL_MIGRATIONS.length + 3}`);
    db.close();
    const before = readFileSync(t.file);
    let error: unknown;
    try {
      PortalStore.open(t.file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).code).toBe("schema-too-new");
    expect((error as BackendError).message).toMatch(
      new RegExp(
        `schema version ${PORTAL_MIGRATIONS.length + 3}, newer than this Roster knows \\(${PORTAL_MIGRATIONS.length}\\)`,
      ),
    );
    expect(readFileSync(t.file).equals(before)).toBe(true);
  });

  it("a meta-table track leaves user_version to the Portal store", () => {
    const dir = tempDir();
    dirs.push(dir);
    const db = openDatabase(path.join(dir, "meta.db"));
    try {
      const track = metaTrack("example", "example_version");
      migrate(db, track, [{ version: 1, description: "x", sql: "CREATE TABLE x (a INTEGER)" }]);
      expect(track.read(db)).toBe(1);
      expect(db.pragma("user_version", { simple: true })).toBe(0);
      migrate(db, USER_VERSION_TRACK, PORTAL_MIGRATIONS);
      expect(track.read(db)).toBe(1);
      expect(db.pragma("user_version", { simple: true })).toBe(PORTAL_MIGRATIONS.length);
      expect(() => migrate(db, track, [])).toThrow(/schema version 1, newer/);
    } finally {
      db.close();
    }
  });
});

describe("file modes", () => {
  it("creates the store, its WAL and shared memory 0600 in a folder created 0700", async () => {
    const { statSync, chmodSync } = await import("node:fs");
    const dir = tempDir();
    dirs.push(dir);
    const file = path.join(dir, "nested", "portal.db");
    const store = PortalStore.open(file);
    try {
      store.createOrganization(
        { kind: "system", name: "t" },
        "acme",
        {
          displayName: "A",
          domains: [],
          autoProvisioning: { enabled: false, role: "member" },
          inviteExpirySeconds: 3600,
        },
        "alice@acme.com",
      );
      const mode = (f: string) => statSync(f).mode & 0o777;
      expect(mode(path.dirname(file))).toBe(0o700);
      for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(mode(f)).toBe(0o600);
    } finally {
      store.close();
    }
    // A file an older Roster left 0644 is tightened when opened.
    chmodSync(file, 0o644);
    PortalStore.open(file).close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
