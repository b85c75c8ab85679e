import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TempStore } from "./helpers.js";
import { SYSTEM, codeOf, openTempStore, settings } from "./helpers.js";

let t: TempStore;
beforeEach(() => {
  t = openTempStore();
  t.store.createOrganization(SYSTEM, "acme", settings(), "alice@acme.com");
});
afterEach(() => t.cleanup());

/** Bulk members straight into the file (the bench does the same at 100,000). */
function addMembers(count: number): void {
  const db = new Database(t.file);
  const user = db.prepare("INSERT INTO users (email, created_at) VALUES (?, 'x')");
  const member = db.prepare(
    "INSERT INTO memberships (org_id, email, role, since) VALUES (1, ?, 'member', 'x')",
  );
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const email = `m${String(i).padStart(4, "0")}@acme.com`;
      user.run(email);
      member.run(email);
    }
  })();
  db.close();
}

describe("cursor pagination", () => {
  it("walks 450 members in pages of 200 in email order, each once", () => {
    addMembers(449);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = t.store.listMembers(SYSTEM, "acme", {
        limit: 200,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.items.map((m) => m.email));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(450);
    expect(new Set(seen).size).toBe(450);
    expect([...seen].sort()).toEqual(seen);
    expect(t.store.listMembers(SYSTEM, "acme").items).toHaveLength(100); // default page size
  });

  it("a page ending exactly at the end has no next cursor", () => {
    addMembers(3); // + alice = 4
    const page = t.store.listMembers(SYSTEM, "acme", { limit: 4 });
    expect(page.items).toHaveLength(4);
    expect(page.nextCursor).toBeUndefined();
    expect(codeOf(() => t.store.listMembers(SYSTEM, "acme", { limit: 0 }))).toBe("invalid");
    expect(codeOf(() => t.store.listMembers(SYSTEM, "nope"))).toBe("not-found");
  });

  it("audit events come newest first, paged by id", async () => {
    for (let i = 0; i < 5; i++) await t.store.invite(SYSTEM, "acme", `u${i}@acme.com`, "member");
    const first = t.store.listAudit(SYSTEM, "acme", { limit: 4 });
    const rest = t.store.listAudit(SYSTEM, "acme", { limit: 4, cursor: first.nextCursor! });
    const actions = [...first.items, ...rest.items].map((e) => `${e.action}:${e.target}`);
    expect(actions).toEqual([
      "invite:u4@acme.com",
      "invite:u3@acme.com",
      "invite:u2@acme.com",
      "invite:u1@acme.com",
      "invite:u0@acme.com",
      "createOrganization:acme",
    ]);
    expect(rest.nextCursor).toBeUndefined();
  });

  it("names and emails with quotes, SQL and unicode are stored and returned literally", async () => {
    const tricky = ["o'brien@acme.com", "x'or'1'='1--@acme.com", "zoë.ñ@acme.com"];
    t.store.updateOrganization(
      SYSTEM,
      "acme",
      settings({ displayName: `Acme "Quoted"; DROP TABLE users; --` }),
    );
    for (const email of tricky) await t.store.invite(SYSTEM, "acme", email, "member");
    expect(
      t.store
        .listInvitations(SYSTEM, "acme")
        .items.map((i) => i.email)
        .sort(),
    ).toEqual([...tricky].sort());
    expect(t.store.organization(SYSTEM, "acme")!.settings.displayName).toBe(
      `Acme "Quoted"; DROP TABLE users; --`,
    );
  });
});
