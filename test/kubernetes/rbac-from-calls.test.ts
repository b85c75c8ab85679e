import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Harness, NS } from "./harness.js";
import { waitFor } from "./helpers.js";
import { build } from "./kustomize.js";
import type { RbacCall } from "./rbac-calls.js";
import { allows, grantsOf, rbacCall } from "./rbac-calls.js";

const CONFIG = path.resolve(import.meta.dirname, "../../config");

let h: Harness;
beforeEach(async () => {
  h = await new Harness().start();
});
afterEach(async () => {
  await h.close();
});

const key = (c: { group: string; resource: string; verb: string }) =>
  `${c.group || "core"} ${c.resource} ${c.verb}`;

describe("RBAC in config/ is derived from what the controller calls", () => {
  it("grants exactly the calls a full life cycle makes, and nothing else", async () => {
    // As deployed: every namespace, the Lease named in the Role, in roster-system.
    const controller = await h.controller({
      identity: "pod-a",
      namespace: undefined,
      leaderElection: {
        name: "roster-controller",
        namespace: "roster-system",
        leaseDurationMs: 3000,
        renewDeadlineMs: 2000,
        retryPeriodMs: 100,
      },
    });
    await waitFor(() => controller.isLeader, 10_000, "leading");
    await h.createOrg("acme", { deletionPolicy: "Delete" });
    await h.createMember("alice", "owner");
    await h.createMember("bob", "member");
    await h.waitForPhase("bob", "Invited");
    await h.patchSpec("members", "bob", { role: "admin" }); // a change of spec
    await h.createMember("zed", "owner"); // a second owner (R2): Stalled, a Warning Event
    await waitFor(() => h.condition(h.org(), "Stalled")?.status === "True", 10_000, "Stalled");
    await h.delete("members", "zed");
    await h.delete("members", "bob"); // the revoke-access finalizer is released
    await waitFor(() => h.member("bob") === undefined, 10_000, "bob gone");
    await h.delete("organizations", "acme"); // deletionPolicy, then the org finalizer
    await waitFor(() => h.org() === undefined, 10_000, "acme gone");
    h.server.dropWatches(); // re-watch
    await h.settle();
    await controller.stop({ releaseLease: true }); // the Lease is handed back

    const calls: RbacCall[] = h.server.requests
      .filter((r) => r.token === "pod-a")
      .map((r) => rbacCall(r));
    const grants = grantsOf(build(path.join(CONFIG, "overlays/crd-mode")));

    // Every call is allowed...
    const denied = calls.filter((c) => !grants.some((g) => allows(g, c)));
    expect(denied).toEqual([]);
    // ...and every grant is used by some call: nothing is granted "just in case".
    const unused = grants.filter((g) => !calls.some((c) => allows(g, c)));
    expect(unused).toEqual([]);
    expect([...new Set(calls.map(key))].sort()).toEqual([
      "coordination.k8s.io leases create",
      "coordination.k8s.io leases get",
      "coordination.k8s.io leases update",
      "core events create",
      "roster.workjet.io accessreviews list",
      "roster.workjet.io accessreviews watch",
      "roster.workjet.io members list",
      "roster.workjet.io members patch",
      "roster.workjet.io members watch",
      "roster.workjet.io members/status patch",
      "roster.workjet.io organizations list",
      "roster.workjet.io organizations patch",
      "roster.workjet.io organizations watch",
      "roster.workjet.io organizations/status patch",
    ]);
    // Leases only in roster-system; Events only where the objects live.
    for (const c of calls.filter((c) => c.resource === "leases")) {
      expect(c.namespace).toBe("roster-system");
    }
    for (const c of calls.filter((c) => c.resource === "events")) expect(c.namespace).toBe(NS);
  });
});
