import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TempStore } from "./helpers.js";
import { SYSTEM, codeOf, openTempStore, settings } from "./helpers.js";

let t: TempStore;
beforeEach(() => {
  t = openTempStore();
  t.store.createOrganization(
    SYSTEM,
    "acme",
    settings({
      domains: ["acme.com", "acme.net"],
      autoProvisioning: { enabled: true, role: "member" },
    }),
    "alice@acme.com",
  );
  t.store.createOrganization(
    SYSTEM,
    "labs",
    settings({ domains: ["acme.io"], autoProvisioning: { enabled: true, role: "admin" } }),
    "alice@acme.com",
  );
  t.store.createOrganization(
    SYSTEM,
    "closed",
    settings({ domains: ["acme.dev"], autoProvisioning: { enabled: false, role: "member" } }),
    "alice@acme.com",
  );
});
afterEach(() => t.cleanup());

const membershipsOf = (email: string) =>
  t.rows<{ slug: string; role: string; auto_provisioned: number }>(
    `SELECT o.slug, m.role, m.auto_provisioned FROM memberships m JOIN organizations o ON o.id = m.org_id
     WHERE m.email = ? ORDER BY o.slug`,
    email,
  );

describe("sign-in (R7 links invitations, R8 auto-provisions)", () => {
  it("auto-provisions into the org whose domain matches and that enables it, with its role", () => {
    const result = t.store.signIn("Carol@ACME.com");
    expect(result.email).toBe("carol@acme.com");
    expect(result.joined).toEqual([{ org: "acme", role: "member", via: "auto-provisioning" }]);
    expect(membershipsOf("carol@acme.com")).toEqual([
      { slug: "acme", role: "member", auto_provisioned: 1 },
    ]);
    expect(t.store.signIn("dan@acme.io").joined).toEqual([
      { org: "labs", role: "admin", via: "auto-provisioning" },
    ]);
    expect(
      t.store.snapshot("acme")!.members.find((m) => m.email === "carol@acme.com"),
    ).toMatchObject({
      autoProvisioned: true,
    });
    expect(t.store.listAudit(SYSTEM, "acme").items[0]).toMatchObject({
      action: "autoProvision",
      actor: "user:carol@acme.com",
      after: { role: "member", domain: "acme.com" },
    });
    // A second sign-in joins nothing new.
    expect(t.store.signIn("carol@acme.com").joined).toEqual([]);
  });

  it("a second domain of the org matches too; another domain or a look-alike does not", () => {
    expect(t.store.signIn("dan@acme.net").joined.map((j) => j.org)).toEqual(["acme"]);
    expect(t.store.signIn("eve@evil.com").joined).toEqual([]);
    expect(t.store.signIn("mallory@notacme.com").joined).toEqual([]);
    expect(t.store.signIn("sub@eu.acme.com").joined).toEqual([]);
    expect(membershipsOf("eve@evil.com")).toEqual([]);
  });

  it("turning auto-provisioning off stops it", () => {
    t.store.updateOrganization(SYSTEM, "labs", settings({ domains: ["acme.io"] }));
    expect(t.store.signIn("carol@acme.io").joined).toEqual([]);
  });

  it("a pending invitation is linked with its role, which wins over auto-provisioning", async () => {
    await t.store.invite(SYSTEM, "acme", "erin@acme.io", "admin");
    await t.store.invite(SYSTEM, "closed", "erin@acme.io", "member");
    const result = t.store.signIn("erin@acme.io");
    expect(result.joined).toEqual([
      { org: "acme", role: "admin", via: "invitation" },
      { org: "closed", role: "member", via: "invitation" },
      { org: "labs", role: "admin", via: "auto-provisioning" },
    ]);
    expect(membershipsOf("erin@acme.io")).toEqual([
      { slug: "acme", role: "admin", auto_provisioned: 0 },
      { slug: "closed", role: "member", auto_provisioned: 0 },
      { slug: "labs", role: "admin", auto_provisioned: 1 },
    ]);
    expect(t.rows("SELECT status FROM invitations")).toEqual([
      { status: "accepted" },
      { status: "accepted" },
    ]);
  });

  it("an expired invitation is not linked (auto-provisioning may still apply)", async () => {
    await t.store.invite(SYSTEM, "closed", "fay@acme.io", "admin");
    t.clock.advance(8 * 86400);
    expect(t.store.signIn("fay@acme.io").joined.map((j) => j.org)).toEqual(["labs"]);
    expect(membershipsOf("fay@acme.io").map((m) => m.slug)).toEqual(["labs"]);
  });

  it("a domain belongs to at most one organization: a second claim is a conflict, nothing changes", () => {
    expect(
      codeOf(() =>
        t.store.createOrganization(
          SYSTEM,
          "copycat",
          settings({ domains: ["acme.com"] }),
          "x@y.com",
        ),
      ),
    ).toBe("conflict");
    expect(t.store.snapshot("copycat")).toBeNull();
    expect(
      codeOf(() =>
        t.store.updateOrganization(
          SYSTEM,
          "closed",
          settings({ domains: ["acme.dev", "ACME.io"] }),
        ),
      ),
    ).toBe("conflict");
    expect(t.store.snapshot("closed")!.settings.domains).toEqual(["acme.dev"]);
    // The schema holds it too, whoever writes the file.
    const db = new Database(t.file);
    try {
      const claim = db.prepare("INSERT INTO organization_domains (domain, org_id) VALUES (?, 3)");
      expect(() => claim.run("acme.com")).toThrow(/UNIQUE/);
    } finally {
      db.close();
    }
  });

  it("opens a session whose token is stored hashed only", () => {
    const { sessionToken } = t.store.signIn("gus@elsewhere.org");
    expect(sessionToken).toMatch(/^rs_/);
    expect(t.store.authenticateSession(sessionToken)).toEqual({ email: "gus@elsewhere.org" });
    expect(JSON.stringify(t.rows("SELECT * FROM sessions"))).not.toContain(sessionToken);
    expect(t.store.authenticateSession("rs_forged")).toBeNull();
    expect(codeOf(() => t.store.signIn("not an email"))).toBe("invalid");
  });
});
