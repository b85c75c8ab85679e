import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type {
  IdentityBackend,
  InvitableRole,
  OrgSettings,
  Role,
  WriteContext,
  WriteOutcome,
} from "../../controller/model/index.js";
import type { KubernetesController } from "../../controller/cli/kubernetes/controller.js";
import type { MemoryBackend } from "../fakes/memory-backend.js";
import { Harness } from "./harness.js";
import { waitFor } from "./helpers.js";

/** One shared backend seen through a per-instance door that counts the writes made through it. */
class CountingBackend implements IdentityBackend {
  readonly describe = "counting";
  writes: string[] = [];
  constructor(private readonly inner: MemoryBackend) {}
  get managedMarks() {
    return this.inner.managedMarks;
  }
  listOrganizations() {
    return this.inner.listOrganizations();
  }
  snapshot(org: string) {
    return this.inner.snapshot(org);
  }
  capabilities(org: string) {
    return this.inner.capabilities(org);
  }
  private count(what: string, call: () => Promise<WriteOutcome>) {
    this.writes.push(what);
    return call();
  }
  createOrganization(org: string, s: OrgSettings, owner: string, ctx: WriteContext) {
    return this.count(`create:${owner}`, () => this.inner.createOrganization(org, s, owner, ctx));
  }
  updateOrganization(org: string, s: OrgSettings, ctx: WriteContext) {
    return this.count("update", () => this.inner.updateOrganization(org, s, ctx));
  }
  invite(org: string, email: string, role: InvitableRole, ctx: WriteContext) {
    return this.count(`invite:${email}`, () => this.inner.invite(org, email, role, ctx));
  }
  resendInvite(org: string, email: string, ctx: WriteContext) {
    return this.count(`resend:${email}`, () => this.inner.resendInvite(org, email, ctx));
  }
  cancelInvite(org: string, email: string, ctx: WriteContext) {
    return this.count(`cancel:${email}`, () => this.inner.cancelInvite(org, email, ctx));
  }
  changeRole(org: string, email: string, from: Role, to: Role, ctx: WriteContext) {
    return this.count(`role:${email}`, () => this.inner.changeRole(org, email, from, to, ctx));
  }
  transferOwnership(org: string, from: string, to: string, ctx: WriteContext) {
    return this.count(`transfer:${to}`, () => this.inner.transferOwnership(org, from, to, ctx));
  }
  remove(org: string, email: string, ctx: WriteContext) {
    return this.count(`remove:${email}`, () => this.inner.remove(org, email, ctx));
  }
  markManaged(org: string, emails: readonly string[], ctx: WriteContext) {
    return this.inner.markManaged(org, emails, ctx);
  }
  close() {
    return Promise.resolve();
  }
}

let h: Harness;
beforeEach(async () => {
  h = await new Harness().start();
});
afterEach(async () => {
  await h.close();
});

const lease = {
  name: "roster-controller",
  namespace: "roster-system",
  // Short for a test, yet long enough that a loaded machine does not depose a healthy leader.
  leaseDurationMs: 3000,
  renewDeadlineMs: 2000,
  retryPeriodMs: 200,
};

describe("two controller instances with leader election", () => {
  it("lets only the leader write; the standby takes over when the lease lapses", async () => {
    const doors = [new CountingBackend(h.backend), new CountingBackend(h.backend)];
    const a = await h.controller({ identity: "pod-a", backend: doors[0], leaderElection: lease });
    await waitFor(() => a.isLeader, 5000, "pod-a leading");
    const b = await h.controller({ identity: "pod-b", backend: doors[1], leaderElection: lease });
    await waitFor(() => b.ready, 5000, "pod-b ready as a standby");
    expect(b.isLeader).toBe(false);

    await h.createOrg("acme");
    await h.createMember("alice", "owner");
    await h.createMember("bob", "member");
    await h.waitForReady();
    await h.waitForPhase("bob", "Invited");
    await h.settle();
    expect(doors[0]!.writes.sort()).toEqual(["create:alice@acme.com", "invite:bob@acme.com"]);
    expect(doors[1]!.writes).toEqual([]);
    expect(b.stats.reconciles).toBe(0);
    // Kubernetes writes (status, finalizers, events) came from pod-a's client only.
    const writers = new Set(
      h.server.requests
        .filter((r) => r.method !== "GET" && !r.path.includes("/leases"))
        .map((r) => r.token),
    );
    expect(writers).toEqual(new Set(["test-client", "pod-a"]));

    // pod-a crashes: no hand-over. pod-b must wait for the lease to lapse, then lead.
    await a.stop({ releaseLease: false });
    await waitFor(() => b.isLeader, 10_000, "pod-b leading");
    await h.createMember("carol", "admin");
    await h.waitForPhase("carol", "Invited");
    await h.settle();
    expect(doors[1]!.writes).toEqual(["invite:carol@acme.com"]);
    expect(doors[0]!.writes).toHaveLength(2);
    const spec = h.server.get("leases", "roster-system", "roster-controller")?.spec as Record<
      string,
      unknown
    >;
    expect(spec).toMatchObject({ holderIdentity: "pod-b", leaseTransitions: 1 });
  });

  it("never reconciles on a standby, even on resync", async () => {
    const a = await h.controller({ identity: "pod-a", leaderElection: lease });
    await waitFor(() => a.isLeader, 5000);
    const b: KubernetesController = await h.controller({
      identity: "pod-b",
      leaderElection: lease,
    });
    await h.createOrg("acme");
    await h.createMember("alice", "owner");
    await h.waitForReady();
    b.resync();
    await h.settle();
    expect(b.stats.reconciles).toBe(0);
    expect(a.stats.reconciles).toBeGreaterThan(0);
  });
});
