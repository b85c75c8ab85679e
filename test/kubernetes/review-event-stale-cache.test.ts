import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EventRecorder } from "../../controller/adapters/kubernetes/events.js";
import { silentLogger } from "../../controller/adapters/kubernetes/log.js";
import type { RosterObject } from "../../controller/adapters/kubernetes/objects.js";
import { selectOrgObjects } from "../../controller/adapters/kubernetes/org-objects.js";
import { StatusWriter } from "../../controller/adapters/kubernetes/status-writer.js";
import type { OrgReconcilerDeps } from "../../controller/cli/kubernetes/org-reconciler.js";
import { reconcileOrg } from "../../controller/cli/kubernetes/org-reconciler.js";
import type { KubeObject } from "../fakes/kube-api-server.js";
import { Harness, NS } from "./harness.js";

const DAY = 86_400_000;
let h: Harness;
let clock: number;
let deps: OrgReconcilerDeps;

beforeEach(async () => {
  h = await new Harness().start();
  clock = Math.floor(Date.now() / 1000) * 1000;
  deps = {
    custom: h.kube.custom,
    backend: h.backend,
    state: h.state,
    statusWriter: new StatusWriter(h.kube.custom, () => true),
    events: new EventRecorder(h.kube.core, "test", (e) => {
      throw e;
    }),
    isLeader: () => true,
    actor: "roster@test",
    log: silentLogger,
    retry: { maxAttempts: 1, sleep: () => Promise.resolve() },
    now: () => new Date(clock),
  };
});
afterEach(async () => {
  await h.close();
});

/** The org's objects as a cache would hold them, with the Organization as given. */
function objects(org: KubeObject | undefined) {
  const list = (plural: string) => h.server.list(plural, NS) as unknown as RosterObject[];
  return selectOrgObjects(
    "acme",
    [org as unknown as RosterObject],
    list("members"),
    list("accessreviews"),
  );
}

const current = () => h.server.get("organizations", NS, "acme");

describe("the ReviewOverdue Event does not depend on the cache having seen our last write", () => {
  it("a review falling due is announced although the cached status is from before the last write", async () => {
    await h.createOrg("acme", { reviews: { every: "90d" } });
    await h.createMember("alice", "owner");
    await reconcileOrg(deps, objects(current()));
    await reconcileOrg(deps, objects(current())); // finalizers added by the first pass
    // No review yet: overdue, announced once.
    expect(h.condition(current(), "AccessReviewDue")?.status).toBe("True");
    expect(h.events("ReviewOverdue")).toHaveLength(1);
    const stale = current(); // what a lagging cache still holds: AccessReviewDue=True

    await h.createAccessReview("q1", {
      reviewer: "alice@acme.com",
      reviewedAt: new Date(clock).toISOString(),
    });
    await reconcileOrg(deps, objects(stale));
    expect(h.condition(current(), "AccessReviewDue")?.status).toBe("False");

    // 91 days on, the watch event of that write still not in: the pass reads `stale` (True).
    clock += 91 * DAY;
    await reconcileOrg(deps, objects(stale));
    expect(h.condition(current(), "AccessReviewDue")?.status).toBe("True");
    expect(h.events("ReviewOverdue").map((e) => e.message)).toHaveLength(2);
  });
});
