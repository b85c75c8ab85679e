import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteBackend } from "../../controller/adapters/backends/sqlite/backend.js";
import { openDatabase } from "../../controller/adapters/backends/sqlite/database.js";
import {
  USER_VERSION_TRACK,
  migrate,
} from "../../controller/adapters/backends/sqlite/migrations.js";
import { PORTAL_MIGRATIONS } from "../../controller/adapters/backends/sqlite/portal-schema.js";
import { PortalStore } from "../../controller/adapters/backends/sqlite/store.js";
import type { ActualOrganization, WriteContext } from "../../controller/model/index.js";
import { PRECONDITION_FAILED } from "../../controller/model/index.js";
import type { TempStore } from "./helpers.js";
import { SYSTEM, asyncCodeOf, codeOf, ctx, openTempStore, seedAcme, settings } from "./helpers.js";

let t: TempStore;
let backend: SqliteBackend;
beforeEach(async () => {
  t = openTempStore();
  backend = new SqliteBackend(t.store, { describe: `sqlite:${t.file}`, ownsStore: false });
  await seedAcme(t.store);
});
afterEach(async () => {
  await backend.close();
  t.cleanup();
});

const auditCount = () => t.rows<{ n: number }>("SELECT count(*) AS n FROM audit_events")[0]!.n;
const snap = async (): Promise<ActualOrganization> => (await backend.snapshot("acme"))!;
const memberVersion = async (email: string) =>
  (await snap()).members.find((m) => m.email === email)!.version!;
const inviteVersion = async (email: string) =>
  (await snap()).invitations.find((i) => i.email === email)!.version!;
const at = (key: string, version: string, extra: Partial<WriteContext> = {}): WriteContext => ({
  ...ctx(key),
  expect: { version },
  ...extra,
});
const absent = (key: string, extra: Partial<WriteContext> = {}): WriteContext => ({
  ...ctx(key),
  expect: { absent: true },
  ...extra,
});

describe("record versions", () => {
  it("every write to a membership, an invitation or the settings moves its version; a mark does not", async () => {
    const mia = await memberVersion("mia@acme.com");
    await backend.changeRole("acme", "mia@acme.com", "member", "admin", ctx("r1"));
    const promoted = await memberVersion("mia@acme.com");
    expect(promoted).not.toBe(mia);
    await backend.invite("acme", "zoe@acme.com", "member", ctx("i1"));
    const invited = await inviteVersion("zoe@acme.com");
    await backend.resendInvite("acme", "zoe@acme.com", ctx("s1"));
    const resent = await inviteVersion("zoe@acme.com");
    await backend.invite("acme", "zoe@acme.com", "admin", ctx("i2"));
    const regraded = await inviteVersion("zoe@acme.com");
    expect(new Set([invited, resent, regraded]).size).toBe(3);
    await backend.markManaged("acme", ["zoe@acme.com", "mia@acme.com"], ctx("m"));
    expect(await inviteVersion("zoe@acme.com")).toBe(regraded);
    expect(await memberVersion("mia@acme.com")).toBe(promoted);
    const settingsBefore = (await snap()).settingsVersion;
    await backend.updateOrganization("acme", settings({ domains: ["acme.io"] }), ctx("u1"));
    expect((await snap()).settingsVersion).not.toBe(settingsBefore);
  });

  it("a member removed and invited back never shows an old version again (no ABA)", async () => {
    const before = await memberVersion("mia@acme.com");
    await backend.remove("acme", "mia@acme.com", ctx("x"));
    await backend.invite("acme", "mia@acme.com", "member", ctx("i"));
    t.store.acceptInvitationByEmail(SYSTEM, "acme", "mia@acme.com");
    expect(await memberVersion("mia@acme.com")).not.toBe(before);
    // A plan made before the removal must not change the new membership.
    expect(
      await asyncCodeOf(() =>
        backend.changeRole("acme", "mia@acme.com", "member", "admin", at("r", before)),
      ),
    ).toBe(PRECONDITION_FAILED);
  });
});

describe("conditional writes (ctx.expect)", () => {
  it("each write with a stale version fails with precondition-failed, not transient, and changes nothing", async () => {
    await backend.invite("acme", "zoe@acme.com", "member", ctx("i0"));
    const s = await snap();
    // Out-of-band edits after the snapshot, as the Portal's UI would make them.
    t.store.changeRole(SYSTEM, "acme", "mia@acme.com", "admin");
    t.store.changeRole(SYSTEM, "acme", "adam@acme.com", "member");
    await t.store.resendInvite(SYSTEM, "acme", "zoe@acme.com");
    t.store.updateOrganization(SYSTEM, "acme", settings({ displayName: "Acme (UI)" }));
    const audit = auditCount();
    const v = (email: string) => s.members.find((m) => m.email === email)!.version!;
    const zoe = s.invitations[0]!.version!;
    const calls: (() => Promise<unknown>)[] = [
      () =>
        backend.changeRole("acme", "mia@acme.com", "admin", "member", at("a", v("mia@acme.com"))),
      () => backend.remove("acme", "mia@acme.com", at("b", v("mia@acme.com"))),
      () =>
        backend.transferOwnership(
          "acme",
          "alice@acme.com",
          "adam@acme.com",
          at("c", v("adam@acme.com")),
        ),
      () => backend.resendInvite("acme", "zoe@acme.com", at("d", zoe)),
      () => backend.cancelInvite("acme", "zoe@acme.com", at("e", zoe)),
      () => backend.invite("acme", "zoe@acme.com", "admin", at("f", zoe)),
      () => backend.updateOrganization("acme", settings(), at("g", s.settingsVersion!)),
    ];
    for (const call of calls) {
      await expect(call()).rejects.toMatchObject({ code: PRECONDITION_FAILED, transient: false });
    }
    expect(auditCount()).toBe(audit);
    expect(
      t.rows("SELECT count(*) AS n FROM idempotency WHERE key IN ('a','b','c','d','e','f','g')"),
    ).toEqual([{ n: 0 }]);
  });

  it("the version the snapshot showed lets each write through", async () => {
    await backend.invite("acme", "zoe@acme.com", "member", ctx("i0"));
    const s = await snap();
    const v = (email: string) => s.members.find((m) => m.email === email)!.version!;
    expect(
      await backend.changeRole(
        "acme",
        "mia@acme.com",
        "member",
        "admin",
        at("a", v("mia@acme.com")),
      ),
    ).toBe("applied");
    expect(
      await backend.resendInvite("acme", "zoe@acme.com", at("d", s.invitations[0]!.version!)),
    ).toBe("applied");
    expect(
      await backend.updateOrganization(
        "acme",
        settings({ displayName: "New" }),
        at("g", s.settingsVersion!),
      ),
    ).toBe("applied");
    expect(
      await backend.transferOwnership(
        "acme",
        "alice@acme.com",
        "adam@acme.com",
        at("c", v("adam@acme.com")),
      ),
    ).toBe("applied");
    expect(
      await backend.remove(
        "acme",
        "alice@acme.com",
        at("b", await memberVersion("alice@acme.com")),
      ),
    ).toBe("applied");
  });

  it("cancel of an invitation accepted after the snapshot fails with precondition-failed", async () => {
    await backend.invite("acme", "zoe@acme.com", "member", ctx("i"));
    const seen = await inviteVersion("zoe@acme.com");
    t.store.acceptInvitationByEmail(SYSTEM, "acme", "zoe@acme.com");
    expect(
      await asyncCodeOf(() => backend.cancelInvite("acme", "zoe@acme.com", at("c", seen))),
    ).toBe(PRECONDITION_FAILED);
    // Zoe is a member: the re-plan sees her and removes her (or keeps her) deliberately.
    expect((await snap()).members.map((m) => m.email)).toContain("zoe@acme.com");
    // Without a precondition the old contract holds: nothing open, nothing to cancel.
    expect(await backend.cancelInvite("acme", "zoe@acme.com", ctx("c2"))).toBe("noop");
  });

  it("remove of a member already gone answers noop, even with a precondition", async () => {
    const seen = await memberVersion("mia@acme.com");
    t.store.removeMember(SYSTEM, "acme", "mia@acme.com");
    expect(await backend.remove("acme", "mia@acme.com", at("x", seen))).toBe("noop");
  });

  it("invite with `absent` fails when the email has a membership or an open invitation meanwhile", async () => {
    await t.store.invite(SYSTEM, "acme", "zoe@acme.com", "member");
    for (const email of ["zoe@acme.com", "mia@acme.com"]) {
      expect(
        await asyncCodeOf(() => backend.invite("acme", email, "member", absent(`i-${email}`))),
      ).toBe(PRECONDITION_FAILED);
    }
    expect((await snap()).invitations).toHaveLength(1);
    expect(await backend.invite("acme", "new@acme.com", "member", absent("i-new"))).toBe("applied");
  });

  it("createOrganization with `absent` fails when the organization exists; without it, noop", async () => {
    expect(
      await asyncCodeOf(() =>
        backend.createOrganization("acme", settings(), "alice@acme.com", absent("c1")),
      ),
    ).toBe(PRECONDITION_FAILED);
    expect(await backend.createOrganization("acme", settings(), "alice@acme.com", ctx("c2"))).toBe(
      "noop",
    );
    expect(
      await backend.createOrganization(
        "beta",
        settings({ domains: ["beta.io"] }),
        "bo@beta.io",
        absent("c3"),
      ),
    ).toBe("applied");
  });

  it("a write to an organization deleted meanwhile is a failed precondition, a plain one not-found", async () => {
    expect(
      await asyncCodeOf(() => backend.updateOrganization("ghost", settings(), at("u", "1"))),
    ).toBe(PRECONDITION_FAILED);
    expect(
      await asyncCodeOf(() => backend.updateOrganization("ghost", settings(), ctx("u2"))),
    ).toBe("not-found");
  });

  it("a retry of a committed write replays its first outcome although the version moved on", async () => {
    const seen = await memberVersion("mia@acme.com");
    const write = at("same-key", seen);
    expect(await backend.changeRole("acme", "mia@acme.com", "member", "admin", write)).toBe(
      "applied",
    );
    // The answer was lost; meanwhile someone else changed Mia again.
    t.store.changeRole(SYSTEM, "acme", "mia@acme.com", "member");
    const audit = auditCount();
    expect(await backend.changeRole("acme", "mia@acme.com", "member", "admin", write)).toBe(
      "applied",
    );
    expect(auditCount()).toBe(audit);
    expect((await snap()).members.find((m) => m.email === "mia@acme.com")!.role).toBe("member");
    // The same key with another precondition is another request, not a retry.
    expect(
      await asyncCodeOf(() =>
        backend.changeRole("acme", "mia@acme.com", "member", "admin", at("same-key", "999")),
      ),
    ).toBe("conflict");
  });

  it("writes without `expect` stay unconditional (the Portal's UI, a person's script)", async () => {
    await backend.changeRole("acme", "mia@acme.com", "member", "admin", ctx("a"));
    expect(await backend.changeRole("acme", "mia@acme.com", "admin", "member", ctx("b"))).toBe(
      "applied",
    );
  });
});

describe("managed marks", () => {
  const marks = async () => {
    const s = await snap();
    return Object.fromEntries([...s.members, ...s.invitations].map((r) => [r.email, r.managed]));
  };

  it("a managed write marks the record; a plain write keeps a mark on update and sets none on create", async () => {
    await backend.invite("acme", "zoe@acme.com", "member", { ...ctx("i1"), managed: true });
    await backend.invite("acme", "pat@acme.com", "member", ctx("i2"));
    // The Portal's UI re-grades Zoe's invitation: the mark stays.
    await t.store.invite(SYSTEM, "acme", "zoe@acme.com", "admin");
    await backend.changeRole("acme", "mia@acme.com", "member", "admin", {
      ...ctx("r"),
      managed: true,
    });
    t.store.changeRole(SYSTEM, "acme", "mia@acme.com", "member");
    expect(await marks()).toMatchObject({
      "zoe@acme.com": true,
      "pat@acme.com": false,
      "mia@acme.com": true,
      "adam@acme.com": false,
      "alice@acme.com": false,
    });
  });

  it("accepting carries the invitation's mark to the membership; an auto-provisioned sign-in is unmarked", async () => {
    t.store.updateOrganization(
      SYSTEM,
      "acme",
      settings({ autoProvisioning: { enabled: true, role: "member" } }),
    );
    await backend.invite("acme", "zoe@acme.com", "member", { ...ctx("i"), managed: true });
    t.store.signIn("zoe@acme.com");
    t.store.signIn("walk-in@acme.com");
    const s = await snap();
    expect(s.invitations).toEqual([]);
    expect(s.members.find((m) => m.email === "zoe@acme.com")).toMatchObject({ managed: true });
    expect(s.members.find((m) => m.email === "walk-in@acme.com")).toMatchObject({
      managed: false,
      autoProvisioned: true,
    });
  });

  it("createOrganization and transferOwnership mark the owner they install", async () => {
    await backend.createOrganization("beta", settings({ domains: ["beta.io"] }), "bo@beta.io", {
      ...ctx("c"),
      managed: true,
    });
    expect((await backend.snapshot("beta"))!.members[0]).toMatchObject({ managed: true });
    await backend.transferOwnership("acme", "alice@acme.com", "adam@acme.com", {
      ...ctx("t"),
      managed: true,
    });
    expect(await marks()).toMatchObject({ "adam@acme.com": true, "alice@acme.com": false });
  });

  it("markManaged marks memberships and open invitations per record, idempotently, and needs R3", async () => {
    await t.store.invite(SYSTEM, "acme", "zoe@acme.com", "member");
    const first = t.store.markManaged(SYSTEM, "acme", [
      "MIA@acme.com",
      "zoe@acme.com",
      "nobody@acme.com",
    ]);
    expect(first).toMatchObject({ outcome: "applied", marked: 2 });
    expect(t.store.markManaged(SYSTEM, "acme", ["mia@acme.com"])).toMatchObject({
      outcome: "noop",
      marked: 0,
    });
    expect(await marks()).toMatchObject({
      "mia@acme.com": true,
      "zoe@acme.com": true,
      "adam@acme.com": false,
    });
    expect(
      codeOf(() =>
        t.store.markManaged({ kind: "user", email: "mia@acme.com", role: "member" }, "acme", [
          "adam@acme.com",
        ]),
      ),
    ).toBe("forbidden");
    expect(codeOf(() => t.store.markManaged(SYSTEM, "acme", ["not an email"]))).toBe("invalid");
    expect(t.rows("SELECT count(*) AS n FROM audit_events WHERE action = 'markManaged'")).toEqual([
      { n: 1 },
    ]);
  });

  it("the backend says its marks are the managed set", () => {
    expect(backend.managedMarks).toBe(true);
  });
});

describe("migration 2 on a file made by the version-1 schema", () => {
  it("keeps every row, unmarked at version 0, and stamps the next write from the clock", () => {
    const file = `${t.dir}/v1.db`;
    const db = openDatabase(file, { create: true });
    migrate(db, USER_VERSION_TRACK, PORTAL_MIGRATIONS.slice(0, 1));
    db.exec(`
      INSERT INTO organizations (slug, display_name, invite_expiry_seconds, created_at) VALUES ('old', 'Old', 60, 'x');
      INSERT INTO users (email, created_at) VALUES ('o@old.io', 'x'), ('m@old.io', 'x');
      INSERT INTO memberships (org_id, email, role, since) VALUES (1, 'o@old.io', 'owner', 'x'), (1, 'm@old.io', 'member', 'x');`);
    db.close();
    const store = PortalStore.open(file, { create: false });
    try {
      const before = store.snapshot("old")!;
      expect(before.members.map((m) => [m.email, m.version, m.managed])).toEqual([
        ["m@old.io", "0", false],
        ["o@old.io", "0", false],
      ]);
      expect(before.settingsVersion).toBe("0");
      store.changeRole(SYSTEM, "old", "m@old.io", "admin", { expect: { version: "0" } });
      expect(store.snapshot("old")!.members[0]!.version).toBe("1");
    } finally {
      store.close();
    }
  });
});
