import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BackendError, FULL_CAPABILITIES } from "../../controller/model/index.js";
import { GROUP, ctx, harness, pad, type Harness } from "./setup.js";

const MEMBERS_PATH = `/admin/directory/v1/groups/${GROUP}/members`;

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.close();
});

describe("GoogleGroupsBackend snapshot", () => {
  it("reads a 450-member group in 3 pages of 200, mapping roles and leaving non-users alone", async () => {
    h.fake.addMember(GROUP, "Owner@Acme.com", "OWNER");
    for (let i = 0; i < 3; i++) h.fake.addMember(GROUP, `mgr${i}@acme.com`, "MANAGER");
    for (let i = 0; i < 444; i++) h.fake.addMember(GROUP, `user${pad(i)}@acme.com`, "MEMBER");
    h.fake.addMember(GROUP, "nested@acme.com", "MEMBER", "GROUP");
    h.fake.addMember(GROUP, "C0123", "MEMBER", "CUSTOMER");
    const backend = h.open();

    const actual = await backend.snapshot("acme");

    expect(actual).not.toBeNull();
    expect(actual!.members).toHaveLength(448);
    expect(actual!.members.find((m) => m.email === "owner@acme.com")?.role).toBe("owner");
    expect(actual!.members.filter((m) => m.role === "admin").map((m) => m.email)).toEqual([
      "mgr0@acme.com",
      "mgr1@acme.com",
      "mgr2@acme.com",
    ]);
    expect(actual!.members.filter((m) => m.role === "member")).toHaveLength(444);
    const emails = actual!.members.map((m) => m.email);
    expect(emails).toEqual([...emails].sort());
    expect(actual!.invitations).toEqual([]);
    expect(actual!.domainUsers).toBeUndefined();
    expect(actual!.settings.autoProvisioning.enabled).toBe(false);

    const lists = h.fake.calls.filter((c) => c.method === "GET" && c.path === MEMBERS_PATH);
    expect(lists).toHaveLength(3);
    expect(lists.map((c) => c.query.maxResults)).toEqual(["200", "200", "200"]);
    expect(lists[0]!.query.pageToken).toBeUndefined();
    expect(lists[1]!.query.pageToken).toBeDefined();
    expect(h.fake.calls).toHaveLength(3);
    expect(h.warnings).toHaveLength(1);
    expect(h.warnings[0]).toContain("GROUP nested@acme.com");
    expect(h.warnings[0]).toContain("CUSTOMER");
    // The same entries on the next snapshot are not reported again.
    await backend.snapshot("acme");
    expect(h.warnings).toHaveLength(1);
  });

  it("answers null for a group that does not exist; another organization is an error", async () => {
    const missing = h.open({ group: "nobody@acme.com", org: "acme" });
    expect(await missing.snapshot("acme")).toBeNull();
    const other = await h
      .open()
      .snapshot("beta")
      .catch((e: unknown) => e);
    expect(other).toBeInstanceOf(BackendError);
    expect((other as BackendError).message).toContain('holds the organization "acme", not "beta"');
    expect((other as BackendError).message).toContain("google:eng@acme.com?org=beta");
    expect(h.fake.calls).toHaveLength(1);
  });

  it("names the organization after the group's local part by default", async () => {
    const backend = h.open({ org: undefined });
    expect(await backend.listOrganizations()).toEqual(["eng"]);
    expect(await backend.snapshot("eng")).not.toBeNull();
    expect(backend.describe).toContain("google:eng@acme.com");
  });
});

describe("GoogleGroupsBackend writes", () => {
  it("maps roles to Google on insert and patch, and makes one call per step", async () => {
    h.fake.addMember(GROUP, "owner@acme.com", "OWNER");
    h.fake.addMember(GROUP, "carol@acme.com", "MEMBER");
    h.fake.addMember(GROUP, "dave@acme.com", "MANAGER");
    h.fake.addMember(GROUP, "erin@acme.com", "MEMBER");
    const backend = h.open();

    expect(await backend.invite("acme", "Alice@acme.com", "admin", ctx())).toBe("applied");
    expect(await backend.invite("acme", "bob@acme.com", "member", ctx())).toBe("applied");
    expect(await backend.changeRole("acme", "carol@acme.com", "member", "admin", ctx())).toBe(
      "applied",
    );
    expect(await backend.changeRole("acme", "dave@acme.com", "admin", "member", ctx())).toBe(
      "applied",
    );
    expect(await backend.remove("acme", "erin@acme.com", ctx())).toBe("applied");

    expect(h.fake.calls.map((c) => [c.method, c.body])).toEqual([
      ["POST", { email: "alice@acme.com", role: "MANAGER" }],
      ["POST", { email: "bob@acme.com", role: "MEMBER" }],
      ["PATCH", { role: "MANAGER" }],
      ["PATCH", { role: "MEMBER" }],
      ["DELETE", undefined],
    ]);
    expect(h.fake.rolesOf(GROUP)).toEqual({
      "owner@acme.com": "OWNER",
      "carol@acme.com": "MANAGER",
      "dave@acme.com": "MEMBER",
      "alice@acme.com": "MANAGER",
      "bob@acme.com": "MEMBER",
    });

    const actual = await backend.snapshot("acme");
    expect(actual!.members.map((m) => [m.email, m.role])).toEqual([
      ["alice@acme.com", "admin"],
      ["bob@acme.com", "member"],
      ["carol@acme.com", "admin"],
      ["dave@acme.com", "member"],
      ["owner@acme.com", "owner"],
    ]);
    // Google keeps no date: the members Roster added carry the time it added them.
    expect(actual!.members.find((m) => m.email === "alice@acme.com")?.since).toBe(
      "2025-03-01T10:00:00.000Z",
    );
    expect(actual!.members.find((m) => m.email === "carol@acme.com")?.since).toBe(
      "1970-01-01T00:00:00.000Z",
    );
  });

  it("treats repeated writes as noops: insert of a member, removal of a non-member", async () => {
    h.fake.addMember(GROUP, "bob@acme.com", "MEMBER");
    const backend = h.open();

    expect(await backend.invite("acme", "bob@acme.com", "member", ctx())).toBe("noop");
    expect(await backend.remove("acme", "ghost@acme.com", ctx())).toBe("noop");
    expect(h.fake.calls.map((c) => [c.method, c.status])).toEqual([
      ["POST", 409],
      ["GET", 200],
      ["DELETE", 404],
    ]);
  });

  it("upserts an existing member to the invited role, but never demotes an OWNER that way", async () => {
    h.fake.addMember(GROUP, "bob@acme.com", "MEMBER");
    h.fake.addMember(GROUP, "owner@acme.com", "OWNER");
    const backend = h.open();

    expect(await backend.invite("acme", "bob@acme.com", "admin", ctx())).toBe("applied");
    expect(h.fake.rolesOf(GROUP)["bob@acme.com"]).toBe("MANAGER");

    const error = await backend
      .invite("acme", "owner@acme.com", "member", ctx())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).code).toBe("conflict");
    expect((error as BackendError).transient).toBe(false);
    expect(h.fake.rolesOf(GROUP)["owner@acme.com"]).toBe("OWNER");
  });

  it("transfers ownership by promoting the new owner first, then demoting the old one", async () => {
    h.fake.addMember(GROUP, "old@acme.com", "OWNER");
    h.fake.addMember(GROUP, "new@acme.com", "MANAGER");
    const backend = h.open();

    expect(await backend.transferOwnership("acme", "old@acme.com", "new@acme.com", ctx())).toBe(
      "applied",
    );

    expect(h.fake.calls.map((c) => [c.method, c.path.split("/").pop(), c.body])).toEqual([
      ["PATCH", "new@acme.com", { role: "OWNER" }],
      ["PATCH", "old@acme.com", { role: "MANAGER" }],
    ]);
    expect(h.fake.rolesOf(GROUP)).toEqual({ "old@acme.com": "MANAGER", "new@acme.com": "OWNER" });
    const actual = await backend.snapshot("acme");
    expect(actual!.members.filter((m) => m.role === "owner").map((m) => m.email)).toEqual([
      "new@acme.com",
    ]);
  });

  it("refuses a transfer to a non-member and leaves the owner in place", async () => {
    h.fake.addMember(GROUP, "old@acme.com", "OWNER");
    const backend = h.open();

    const error = await backend
      .transferOwnership("acme", "old@acme.com", "stranger@acme.com", ctx())
      .catch((e: unknown) => e);
    expect((error as BackendError).code).toBe("not-found");
    expect((error as BackendError).message).toContain("stranger@acme.com is not a member");
    expect(h.fake.rolesOf(GROUP)).toEqual({ "old@acme.com": "OWNER" });
    expect(h.fake.calls).toHaveLength(1);
  });

  it("makes an owner of a group that has none with one patch", async () => {
    h.fake.addMember(GROUP, "ann@acme.com", "MANAGER");
    const backend = h.open();
    expect(await backend.changeRole("acme", "ann@acme.com", "admin", "owner", ctx())).toBe(
      "applied",
    );
    expect(h.fake.rolesOf(GROUP)).toEqual({ "ann@acme.com": "OWNER" });
    expect(h.fake.calls.map((c) => [c.method, c.body])).toEqual([["PATCH", { role: "OWNER" }]]);
  });

  it("refuses creating groups and other organizations", async () => {
    const backend = h.open();
    const missing = h.open({ group: "new-team@acme.com", org: "acme" });
    const create = await missing
      .createOrganization("acme", (await backend.snapshot("acme"))!.settings, "o@acme.com", ctx())
      .catch((e: unknown) => e);
    expect(create).toBeInstanceOf(BackendError);
    expect((create as BackendError).code).toBe("unsupported");
    expect((create as BackendError).transient).toBe(false);
    expect((create as BackendError).message).toContain("create it in the Google Admin console");

    const other = await backend
      .invite("beta", "x@acme.com", "member", ctx())
      .catch((e: unknown) => e);
    expect((other as BackendError).message).toContain("?org=beta");
    expect(await backend.capabilities("beta").catch((e: unknown) => e)).toBeInstanceOf(
      BackendError,
    );
    // Creating is "possible" so the plan shows it and apply explains how to create the group.
    expect(await backend.capabilities("acme")).toEqual(FULL_CAPABILITIES);
    // Only the snapshot made a call: the refusals never reached Google.
    expect(h.fake.calls.map((c) => c.method)).toEqual(["GET"]);
  });

  it("has no invitations to resend or cancel", async () => {
    const backend = h.open();
    expect(await backend.resendInvite("acme", "bob@acme.com", ctx())).toBe("noop");
    expect(await backend.cancelInvite("acme", "bob@acme.com", ctx())).toBe("noop");
    expect(h.fake.calls).toHaveLength(0);
  });
});
