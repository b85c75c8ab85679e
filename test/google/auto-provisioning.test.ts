import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  BackendError,
  defaultOrgSettings,
  type OrgSettings,
} from "../../controller/model/index.js";
import { GROUP, ctx, harness, pad, type Harness } from "./setup.js";

const USERS_PATH = "/admin/directory/v1/users";

let h: Harness;
beforeEach(async () => {
  h = await harness();
  h.fake.addMember(GROUP, "owner@acme.com", "OWNER");
});
afterEach(async () => {
  await h.close();
});

function autoSettings(domains = ["acme.com"]): OrgSettings {
  return {
    ...defaultOrgSettings("acme"),
    displayName: "Acme Inc.",
    domains,
    autoProvisioning: { enabled: true, role: "member" },
  };
}

describe("domain users for auto-provisioning (R8)", () => {
  it("lists the active users of the org's domains over pages of 500, suspended and archived left out", async () => {
    for (let i = 0; i < 1100; i++) h.fake.addUser(`person${pad(i)}@acme.com`);
    h.fake.addUser("Suspended@acme.com", { suspended: true });
    h.fake.addUser("archived@acme.com", { archived: true });
    h.fake.addUser("outsider@other.com");
    h.fake.addUser("lab@acme.io");
    const backend = h.open();
    expect(
      await backend.updateOrganization("acme", autoSettings(["acme.com", "ACME.io"]), ctx()),
    ).toBe("applied");

    const actual = await backend.snapshot("acme");

    const users = actual!.domainUsers!;
    expect(users).toHaveLength(1101);
    expect(users).toContain("lab@acme.io");
    expect(users).not.toContain("suspended@acme.com");
    expect(users).not.toContain("archived@acme.com");
    expect(users).not.toContain("outsider@other.com");
    expect(users).toEqual([...users].sort());
    const listed = h.fake.calls.filter((c) => c.path === USERS_PATH);
    // acme.com: 1,102 users → 3 pages; acme.io: 1 page. One read per page, nothing else.
    expect(listed.map((c) => [c.query.domain, c.query.maxResults])).toEqual([
      ["acme.com", "500"],
      ["acme.com", "500"],
      ["acme.com", "500"],
      ["acme.io", "500"],
    ]);
    expect(h.fake.calls).toHaveLength(5);
  });

  it("does not read the directory while auto-provisioning is off", async () => {
    h.fake.addUser("a@acme.com");
    const backend = h.open();
    await backend.updateOrganization(
      "acme",
      { ...autoSettings(), autoProvisioning: { enabled: false, role: "member" } },
      ctx(),
    );
    const actual = await backend.snapshot("acme");
    expect(actual!.domainUsers).toBeUndefined();
    expect(h.fake.count("GET", USERS_PATH)).toBe(0);
  });

  it("remembers auto-provisioned members across instances, and forgets them on removal", async () => {
    h.fake.addUser("auto@acme.com");
    h.fake.addUser("declared@acme.com");
    const first = h.open();
    await first.updateOrganization("acme", autoSettings(), ctx());
    expect(
      await first.invite("acme", "auto@acme.com", "member", ctx({ autoProvisioned: true })),
    ).toBe("applied");
    expect(await first.invite("acme", "declared@acme.com", "admin", ctx())).toBe("applied");
    await first.close();

    const second = h.open();
    const actual = await second.snapshot("acme");
    expect(actual!.settings).toEqual(autoSettings());
    // Google's member ETag is the version a conditional plan names.
    const etag = expect.stringMatching(/^"etag-\d+"$/) as string;
    expect(actual!.members).toEqual([
      {
        email: "auto@acme.com",
        role: "member",
        since: "2025-03-01T10:00:00.000Z",
        autoProvisioned: true,
        version: etag,
      },
      {
        email: "declared@acme.com",
        role: "admin",
        since: "2025-03-01T10:00:00.000Z",
        version: etag,
      },
      { email: "owner@acme.com", role: "owner", since: "1970-01-01T00:00:00.000Z", version: etag },
    ]);

    // The user is suspended in Google: the planner removes the membership at the next sync.
    h.fake.users.find((u) => u.primaryEmail === "auto@acme.com")!.suspended = true;
    const later = await second.snapshot("acme");
    expect(later!.domainUsers).toEqual(["declared@acme.com"]);
    expect(await second.remove("acme", "auto@acme.com", ctx())).toBe("applied");
    await second.close();
    const record = JSON.parse(await readFile(join(h.dir, "record.json"), "utf8"));
    expect(record.members["auto@acme.com"]).toBeUndefined();
    expect(record.settings.domains).toEqual(["acme.com"]);
  });

  it("settings updates touch only the record: applied once, then noop", async () => {
    const backend = h.open();
    expect(await backend.updateOrganization("acme", autoSettings(), ctx())).toBe("applied");
    expect(await backend.updateOrganization("acme", autoSettings(), ctx())).toBe("noop");
    expect(h.fake.calls).toHaveLength(0);
  });

  it("refuses a damaged record with the fix, and a record of another group", async () => {
    await writeFile(join(h.dir, "record.json"), "{ not json");
    const error = await h
      .open()
      .snapshot("acme")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).message).toContain("is damaged: delete it");

    await writeFile(
      join(h.dir, "record.json"),
      JSON.stringify({ version: 1, group: "other@acme.com", org: "acme", members: {} }),
    );
    const other = await h
      .open()
      .snapshot("acme")
      .catch((e: unknown) => e);
    expect((other as BackendError).message).toContain("belongs to other@acme.com");
  });
});
