import { Ajv } from "ajv";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  KUBERNETES_KEYWORDS,
  MEMBER_STATUS,
  ORGANIZATION_STATUS,
  forAjv,
} from "../../controller/schema/index.js";
import { BackendError } from "../../controller/model/index.js";
import { Harness, NS } from "./harness.js";
import { waitFor } from "./helpers.js";

let h: Harness;
beforeEach(async () => {
  h = await new Harness().start();
});
afterEach(async () => {
  await h.close();
});

function statusValidator(schema: typeof MEMBER_STATUS) {
  const ajv = new Ajv({ strict: true, allErrors: true });
  for (const k of KUBERNETES_KEYWORDS) ajv.addKeyword(k);
  ajv.addFormat("date-time", {
    type: "string",
    validate: (s: string) => !Number.isNaN(Date.parse(s)),
  });
  ajv.addFormat("int64", { type: "number", validate: Number.isInteger });
  return ajv.compile(forAjv(schema));
}

async function acmeWithTeam() {
  await h.createOrg("acme");
  await h.createMember("alice", "owner");
  await h.createMember("bob", "member");
  await h.createMember("carol", "admin");
}

describe("Kubernetes mode: the controller against a fake API server", () => {
  it("creates the org, invites the members, and reports Ready / Active / Invited", async () => {
    await acmeWithTeam();
    await h.controller();
    await h.waitForReady();
    await h.waitForPhase("bob", "Invited");

    const actual = await h.backend.snapshot("acme");
    expect(actual?.members.map((m) => `${m.email}:${m.role}`)).toEqual(["alice@acme.com:owner"]);
    expect(actual?.invitations.map((i) => `${i.email}:${i.role}`)).toEqual([
      "bob@acme.com:member",
      "carol@acme.com:admin",
    ]);
    expect(
      h
        .writes()
        .map((w) => `${w.action}:${w.email ?? ""}`)
        .sort(),
    ).toEqual([
      "createOrganization:alice@acme.com",
      "invite:bob@acme.com",
      "invite:carol@acme.com",
    ]);

    const org = h.org()!;
    expect(org.metadata.finalizers).toEqual(["roster.workjet.io/deletion-policy"]);
    expect(org.status).toMatchObject({
      ready: true,
      owner: "alice@acme.com",
      members: 1,
      pendingInvites: 2,
      blockedSteps: 0,
      observedGeneration: 1,
    });
    const ready = h.condition(org, "Ready")!;
    expect(ready).toMatchObject({ status: "True", reason: "Synced", observedGeneration: 1 });
    expect(h.condition(org, "Stalled")?.status).toBe("False");
    expect(h.condition(org, "Reconciling")?.status).toBe("False");
    expect(statusValidator(ORGANIZATION_STATUS)(org.status)).toBe(true);

    expect(h.phase("alice")).toBe("Active");
    expect(h.phase("carol")).toBe("Invited");
    const bob = h.member("bob")!;
    expect(bob.metadata.finalizers).toEqual(["roster.workjet.io/revoke-access"]);
    expect(bob.status).toMatchObject({
      phase: "Invited",
      observedGeneration: 1,
      invitedAt: expect.any(String),
    });
    const validMember = statusValidator(MEMBER_STATUS);
    for (const name of ["alice", "bob", "carol"])
      expect(validMember(h.member(name)!.status)).toBe(true);
    expect((h.member("alice")!.status as { joinedAt?: string }).joinedAt).toEqual(
      expect.any(String),
    );

    // The status subresource was used for every status write; spec and generation untouched.
    const statusPatches = h.server.requests.filter(
      (r) => r.method === "PATCH" && r.path.endsWith("/status"),
    );
    expect(statusPatches.length).toBeGreaterThanOrEqual(4);
    expect(new Set(statusPatches.map((r) => r.contentType))).toEqual(
      new Set(["application/merge-patch+json"]),
    );
    expect(bob.metadata.generation).toBe(1);

    await h.settle();
    const events = h.events();
    expect(
      events
        .filter((e) => e.reason === "Invited")
        .map((e) => (e.involvedObject as { name: string }).name)
        .sort(),
    ).toEqual(["bob", "carol"]);
    expect(h.events("OrganizationCreated")).toHaveLength(1);
  });

  it("shows an accepted invitation as Active on the next resync, without writing", async () => {
    await acmeWithTeam();
    const controller = await h.controller();
    await h.waitForPhase("bob", "Invited");
    await h.settle();
    const writes = h.writes().length;
    h.backend.acceptInvite("acme", "bob@acme.com");
    controller.resync();
    await h.waitForPhase("bob", "Active");
    expect((h.member("bob")!.status as { joinedAt?: string }).joinedAt).toEqual(expect.any(String));
    await waitFor(() => (h.org()!.status as { members?: number }).members === 2);
    expect(h.org()!.status).toMatchObject({ members: 2, pendingInvites: 1 });
    expect(h.writes()).toHaveLength(writes);
  });

  it("turns a role edit into exactly one changeRole, keeping Ready's transition time", async () => {
    await acmeWithTeam();
    const controller = await h.controller();
    await h.waitForReady();
    h.backend.acceptInvite("acme", "bob@acme.com");
    controller.resync();
    await h.waitForPhase("bob", "Active");
    await h.settle();
    const readySince = h.condition(h.org(), "Ready")?.lastTransitionTime;
    const before = h.writes().length;

    await h.patchSpec("members", "bob", { role: "admin" });
    await waitFor(
      () => (h.member("bob")!.status as { observedGeneration?: number }).observedGeneration === 2,
    );
    await h.settle();
    const after = h.writes().slice(before);
    expect(after.map((w) => `${w.action}:${w.email ?? ""}:${w.from ?? ""}->${w.to ?? ""}`)).toEqual(
      ["changeRole:bob@acme.com:member->admin"],
    );
    expect(h.events("RoleChanged")).toHaveLength(1);
    expect(h.condition(h.org(), "Ready")?.lastTransitionTime).toBe(readySince);
  });

  it("revokes a deleted Member (R6) before releasing its finalizer", async () => {
    await acmeWithTeam();
    await h.controller();
    await h.waitForReady();
    h.backend.acceptInvite("acme", "bob@acme.com");
    // The first removal attempt fails: the Member must stay, Removing, holding its finalizer.
    h.backend.failWhen(
      (c) => c.action === "remove" && c.email === "bob@acme.com",
      new BackendError("unavailable", "portal 503", { transient: true }),
    );
    await h.delete("members", "bob");
    await waitFor(() => h.writes("remove").length >= 1, 10_000, "a removal attempt");
    const first = h.writes("remove")[0]!;
    expect(first.outcome).toBe("failed");
    await waitFor(() => h.member("bob") === undefined, 10_000, "bob released");
    const removes = h.writes("remove");
    expect(removes.map((w) => w.outcome)).toEqual(["failed", "applied"]);
    const actual = await h.backend.snapshot("acme");
    expect(actual?.members.map((m) => m.email)).not.toContain("bob@acme.com");
    // The finalizer was released by a patch after the applied removal, never before.
    const release = h.server.requests.filter(
      (r) =>
        r.method === "PATCH" &&
        r.path.endsWith("/members/bob") &&
        JSON.stringify(r.body).includes('"finalizers":null'),
    );
    expect(release).toHaveLength(1);
    expect(h.events("AccessRevoked")).toHaveLength(1);
  });

  it("shows phase Removing while the revocation cannot be applied", async () => {
    await acmeWithTeam();
    await h.controller();
    await h.waitForReady();
    h.backend.acceptInvite("acme", "bob@acme.com");
    h.backend.failWhen(
      (c) => c.action === "remove",
      new BackendError("forbidden", "remove is not allowed for this key"),
      { times: 100 },
    );
    await h.delete("members", "bob");
    await h.waitForPhase("bob", "Removing");
    await h.settle();
    const bob = h.member("bob")!;
    expect(bob.metadata.deletionTimestamp).toBeDefined();
    expect(bob.metadata.finalizers).toEqual(["roster.workjet.io/revoke-access"]);
    expect(h.condition(bob, "Ready")?.message).toMatch(/cannot revoke access yet/);
    expect(h.condition(h.org(), "Stalled")).toMatchObject({
      status: "True",
      reason: "StepsFailed",
    });
  });

  it("stalls on two owners, naming both resources, with zero writes", async () => {
    await h.createOrg("acme");
    await h.createMember("alice", "owner");
    await h.createMember("dave", "owner");
    await h.createMember("bob", "member");
    await h.controller();
    await waitFor(() => h.condition(h.org(), "Stalled")?.status === "True", 10_000, "Stalled");
    await h.settle();
    const stalled = h.condition(h.org(), "Stalled")!;
    expect(stalled.reason).toBe("Invalid");
    expect(stalled.message).toContain(`${NS}/Member/alice`);
    expect(stalled.message).toContain(`${NS}/Member/dave`);
    expect(stalled.message).not.toMatch(/Member\/\w+:\d+/); // no positions in a rendering nobody sees
    expect(h.condition(h.org(), "Ready")?.status).toBe("False");
    expect(h.org()!.status).toMatchObject({ ready: false });
    expect(h.writes()).toEqual([]);
    expect(h.phase("bob")).toBe("Blocked");
    expect(h.events().filter((e) => e.type === "Warning").length).toBeGreaterThan(0);
  });

  it("stalls on a resource the schema rejects, naming it, with zero writes", async () => {
    await h.createOrg("acme");
    await h.createMember("alice", "owner");
    // The API server refuses such a Member (422); one can only be in etcd from before the CRD
    // declared the enum, and is served as stored.
    await expect(h.createMember("zed", "superuser")).rejects.toThrow(/422/);
    h.server.putStored("members", {
      apiVersion: "roster.workjet.io/v1alpha1",
      kind: "Member",
      metadata: { name: "zed", namespace: NS },
      spec: { organization: "acme", email: "zed@acme.com", role: "superuser" },
    });
    await h.controller();
    await waitFor(() => h.condition(h.org(), "Stalled")?.status === "True", 10_000, "Stalled");
    await h.settle();
    expect(h.condition(h.org(), "Stalled")?.message).toContain(`${NS}/Member/zed`);
    expect(h.phase("zed")).toBe("Blocked");
    expect(h.condition(h.member("zed"), "Stalled")?.message).toMatch(/superuser/);
    expect(h.writes()).toEqual([]);
  });

  it("resumes after dropped watches and a relist without duplicate work", async () => {
    await acmeWithTeam();
    const controller = await h.controller();
    await h.waitForReady();
    await h.waitForPhase("carol", "Invited");
    await h.settle();
    const writes = h.writes().length;
    const reconciles = controller.stats.reconciles;
    const statusWrites = controller.statusWrites;
    const lists = controller.cacheStats.lists;

    h.server.dropWatches(); // resumed from the last resourceVersion
    await waitFor(() => h.server.watchCount === 3, 10_000, "watches back");
    h.server.compact();
    h.server.dropWatches(); // now 410 Gone: a full relist
    await waitFor(() => controller.cacheStats.lists >= lists + 3, 10_000, "relist");
    await waitFor(() => h.server.watchCount === 3, 10_000, "watches back");
    await h.settle();
    expect(h.writes()).toHaveLength(writes);
    expect(controller.stats.reconciles).toBe(reconciles);
    expect(controller.statusWrites).toBe(statusWrites);

    // The re-established watch still delivers changes: one new Member, one invite.
    await h.createMember("erin", "member");
    await h.waitForPhase("erin", "Invited");
    await h.settle();
    expect(
      h
        .writes()
        .slice(writes)
        .map((w) => `${w.action}:${w.email ?? ""}`),
    ).toEqual(["invite:erin@acme.com"]);
  });

  it("Orphan: deleting the Organization leaves the backend alone", async () => {
    await acmeWithTeam();
    await h.controller();
    await h.waitForReady();
    await h.settle();
    const writes = h.writes().length;
    await h.delete("organizations", "acme");
    await waitFor(() => h.org() === undefined, 10_000, "organization released");
    await h.settle();
    expect(h.writes()).toHaveLength(writes);
    expect((await h.backend.snapshot("acme"))?.invitations).toHaveLength(2);
    // Its Members now name an organization nobody declares: Blocked, saying so.
    expect(h.phase("bob")).toBe("Blocked");
    expect(h.condition(h.member("bob"), "Ready")?.message).toMatch(/no Organization acme/);
    const warned = h
      .events("Invalid")
      .map((e) => (e.involvedObject as { kind: string; name: string }).name);
    expect(warned).toContain("bob");
  });

  it("Delete: removes every member, the owner last, and reports an owner the backend keeps (R2)", async () => {
    await h.createOrg("acme", { deletionPolicy: "Delete" });
    await h.createMember("alice", "owner");
    await h.createMember("bob", "member");
    await h.createMember("carol", "admin");
    await h.controller();
    await h.waitForReady();
    h.backend.acceptInvite("acme", "bob@acme.com");
    h.backend.failWhen(
      (c) => c.action === "remove" && c.email === "alice@acme.com",
      new BackendError("conflict", "R2: an organization keeps exactly one owner"),
    );
    const before = h.writes().length;
    await h.delete("organizations", "acme");
    await waitFor(() => h.org() === undefined, 10_000, "organization released");
    const after = h
      .writes()
      .slice(before)
      .map((w) => `${w.action}:${w.email ?? ""}:${w.outcome}`);
    expect(after.slice(0, 2).sort()).toEqual([
      "cancelInvite:carol@acme.com:applied",
      "remove:bob@acme.com:applied",
    ]);
    expect(after[2]).toBe("remove:alice@acme.com:failed");
    expect(after).toHaveLength(3);
    await h.settle();
    expect(h.events("OwnerKept")).toHaveLength(1);
    expect((await h.backend.snapshot("acme"))?.members.map((m) => m.email)).toEqual([
      "alice@acme.com",
    ]);
  });
});
