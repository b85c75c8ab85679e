import Database from "better-sqlite3";
import { createHash } from "node:crypto";
import { rmSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteControllerState } from "../../controller/adapters/backends/sqlite/controller-state.js";
import { openSqlite } from "../../controller/adapters/backends/sqlite/open.js";
import type { NewJournalEntry } from "../../controller/model/index.js";
import { GENESIS_HASH, journalCanonical } from "../../controller/model/index.js";
import { PORTAL_MIGRATIONS } from "../../controller/adapters/backends/sqlite/portal-schema.js";
import { tempDir } from "./helpers.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempFile(name: string): string {
  const dir = tempDir("roster-state-");
  dirs.push(dir);
  return path.join(dir, name);
}

const entry = (n: number, extra: Partial<NewJournalEntry> = {}): NewJournalEntry => ({
  time: `2025-03-01T09:00:0${n}.000Z`,
  org: n % 2 === 0 ? "acme" : "beta",
  action: "invite",
  email: `u${n}@acme.com`,
  role: "member",
  revision: "abc",
  result: "applied",
  ...extra,
});

describe("SqliteControllerState: the journal is a hash chain", () => {
  it("links each entry to the one before and hashes the canonical form", async () => {
    const state = SqliteControllerState.open(tempFile("state.db"));
    const first = await state.appendJournal(entry(1));
    const second = await state.appendJournal(
      entry(2, { action: "changeRole", from: "member", to: "admin", role: undefined }),
    );
    const third = await state.appendJournal(
      entry(3, { result: "failed", error: "503 from backend" }),
    );
    expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH });
    expect(second).toMatchObject({ seq: 2, prevHash: first.hash, from: "member", to: "admin" });
    expect(third.prevHash).toBe(second.hash);
    expect("role" in second).toBe(false); // absent, not undefined: the hash covers present fields only
    for (const e of [first, second, third]) {
      const { hash, ...rest } = e;
      expect(hash).toBe(createHash("sha256").update(journalCanonical(rest)).digest("hex"));
    }
    expect(await state.readJournal()).toEqual([first, second, third]);
    expect(await state.readJournal({ org: "beta" })).toEqual([first, third]);
    expect(await state.readJournal({ since: "2025-03-01T09:00:02.000Z" })).toEqual([second, third]);
    expect(state.verifyJournal()).toEqual({ ok: true, entries: 3 });
    await state.close();
  });

  it("detects a tampered or deleted entry", async () => {
    const file = tempFile("state.db");
    const state = SqliteControllerState.open(file);
    for (let i = 1; i <= 4; i++) await state.appendJournal(entry(i));
    const db = new Database(file);
    db.prepare("UPDATE controller_journal SET role = 'admin' WHERE seq = 2").run();
    expect(state.verifyJournal()).toMatchObject({
      ok: false,
      seq: 2,
      problem: "content does not match its hash",
    });
    db.prepare("UPDATE controller_journal SET role = 'member' WHERE seq = 2").run();
    expect(state.verifyJournal()).toEqual({ ok: true, entries: 4 });
    db.prepare("DELETE FROM controller_journal WHERE seq = 3").run();
    expect(state.verifyJournal()).toMatchObject({
      ok: false,
      seq: 4,
      problem: "does not link to the entry before it",
    });
    db.close();
    await state.close();
  });

  it("keeps extra fields out of the hash: only what the row gives back is hashed", async () => {
    const state = SqliteControllerState.open(tempFile("state.db"));
    const sneaky = { ...entry(1), note: "not a journal field" } as NewJournalEntry;
    const appended = await state.appendJournal(sneaky);
    expect(appended).not.toHaveProperty("note");
    expect(state.verifyJournal()).toEqual({ ok: true, entries: 1 });
    await state.close();
  });
});

describe("managed-member sets", () => {
  it("are per organization, normalised, changed per email, and survive a re-open", async () => {
    const file = tempFile("state.db");
    const state = SqliteControllerState.open(file);
    expect(await state.managedMembers("acme")).toEqual(new Set());
    await state.addManagedMembers("acme", ["Alice@Acme.com", "bob@acme.com", "bob@acme.com"]);
    await state.addManagedMembers("beta", ["zed@beta.io"]);
    await state.addManagedMembers("acme", ["alice@acme.com", "carol@acme.com"]);
    await state.removeManagedMembers("acme", ["BOB@acme.com", "never@acme.com"]);
    await state.close();
    const again = SqliteControllerState.open(file);
    expect(await again.managedMembers("acme")).toEqual(
      new Set(["alice@acme.com", "carol@acme.com"]),
    );
    expect(await again.managedMembers("beta")).toEqual(new Set(["zed@beta.io"]));
    await again.removeManagedMembers("beta", ["zed@beta.io"]);
    expect(await again.managedMembers("beta")).toEqual(new Set());
    await again.close();
  });

  it("two runs from one stale copy never drop each other's entries (no whole-set rewrite)", async () => {
    const file = tempFile("state.db");
    const [a, b] = [SqliteControllerState.open(file), SqliteControllerState.open(file)];
    await a.addManagedMembers("acme", ["old@acme.com"]);
    // Both read the set, then each changes only the members its own run touched.
    expect(await a.managedMembers("acme")).toEqual(await b.managedMembers("acme"));
    await a.addManagedMembers("acme", ["ann@acme.com"]);
    await b.addManagedMembers("acme", ["ben@acme.com"]);
    await b.removeManagedMembers("acme", ["old@acme.com"]);
    expect(await a.managedMembers("acme")).toEqual(new Set(["ann@acme.com", "ben@acme.com"]));
    await a.close();
    await b.close();
  });
});

describe("one file for the Portal store and the controller state", () => {
  it("each keeps its own tables and version track", async () => {
    const file = tempFile("portal.db");
    const opened = openSqlite(file);
    await opened.backend.createOrganization(
      "acme",
      {
        displayName: "Acme",
        domains: [],
        autoProvisioning: { enabled: false, role: "member" },
        inviteExpirySeconds: 3600,
      },
      "alice@acme.com",
      { revision: "r", reason: "x", actor: "roster", idempotencyKey: "k" },
    );
    await opened.state.appendJournal(entry(1));
    await opened.state.addManagedMembers("acme", ["alice@acme.com"]);
    await opened.close();

    const db = new Database(file, { readonly: true });
    expect(db.pragma("user_version", { simple: true })).toBe(PORTAL_MIGRATIONS.length);
    expect(
      db
        .prepare("SELECT value FROM roster_meta WHERE key = 'controller_state_version'")
        .pluck()
        .get(),
    ).toBe("2");
    db.close();

    const reopened = openSqlite(file);
    expect(await reopened.backend.listOrganizations()).toEqual(["acme"]);
    expect(await reopened.state.readJournal()).toHaveLength(1);
    expect(await reopened.state.managedMembers("acme")).toEqual(new Set(["alice@acme.com"]));
    await reopened.close();
  });
});
