import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registerKubernetesMetrics } from "../../controller/adapters/kubernetes/metrics.js";
import type { KubernetesController } from "../../controller/cli/kubernetes/controller.js";
import { Harness } from "./harness.js";
import { waitFor } from "./helpers.js";
import { TimedDoor } from "./timed-door.js";

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
  leaseDurationMs: 3000,
  renewDeadlineMs: 2000,
  retryPeriodMs: 200,
};

async function leaderGauge(registry: Registry): Promise<number> {
  const metric = registry.getSingleMetric("roster_kubernetes_leader");
  const { values } = await metric!.get();
  return values[0]!.value;
}

interface Sample {
  at: number;
  a: boolean;
  b: boolean;
  gaugeA: number;
  gaugeB: number;
}

describe("a network partition between the leader and the API server", () => {
  it("never leaves two leaders or two writers; the standby takes over and converges", async () => {
    const members = Array.from({ length: 30 }, (_, i) => `user${String(i).padStart(2, "0")}`);
    await h.createOrg("acme");
    await h.createMember("alice", "owner");
    for (const m of members) await h.createMember(m, "member");

    // A remote backend: each write takes 100 ms, so pod-a is mid-reconcile when it is cut off.
    const doorA = new TimedDoor(h.backend, 100);
    const doorB = new TimedDoor(h.backend, 100);
    const common = { leaderElection: lease, concurrency: 1 };
    const a = await h.controller({ identity: "pod-a", backend: doorA, ...common });
    await waitFor(() => a.isLeader, 10_000, "pod-a leading");
    const b = await h.controller({ identity: "pod-b", backend: doorB, ...common });
    await waitFor(() => b.ready, 10_000, "pod-b ready as a standby");
    const registries = [new Registry(), new Registry()] as const;
    registerKubernetesMetrics(registries[0], a);
    registerKubernetesMetrics(registries[1], b);

    await waitFor(() => doorA.arrived.length >= 3, 10_000, "pod-a writing");
    const cutAt = performance.now();
    h.server.partition("pod-a");

    const samples: Sample[] = [];
    const sample = async (x: KubernetesController, y: KubernetesController) => {
      const at = performance.now();
      const [gaugeA, gaugeB] = await Promise.all(registries.map(leaderGauge));
      samples.push({ at, a: x.isLeader, b: y.isLeader, gaugeA: gaugeA!, gaugeB: gaugeB! });
    };
    const invited = async () => {
      const actual = await h.backend.snapshot("acme");
      return actual?.invitations.length === members.length;
    };
    await waitFor(
      async () => {
        await sample(a, b);
        return b.isLeader && (await invited());
      },
      30_000,
      "pod-b leading and every member invited",
    );

    const deadline = cutAt + lease.renewDeadlineMs;
    expect(samples.length).toBeGreaterThan(20);
    // At no sampled instant do both lead, by their own word or by their metric.
    expect(samples.filter((s) => s.a && s.b)).toEqual([]);
    expect(samples.filter((s) => s.gaugeA === 1 && s.gaugeB === 1)).toEqual([]);
    // Past its renew deadline the cut-off leader says so, though its Lease calls still hang.
    expect(samples.filter((s) => s.at > deadline && (s.a || s.gaugeA === 1))).toEqual([]);
    // The partition was real: pod-a's calls after the cut were never answered (they were aborted).
    const unanswered = h.server.requests.filter((r) => r.token === "pod-a" && r.status === 0);
    expect(unanswered.some((r) => r.path.includes("/leases/"))).toBe(true);
    // No write of the old leader reaches the backend after its deadline, none of the new one's
    // before it: never two writers.
    expect(doorA.arrived.filter((w) => w.at > deadline)).toEqual([]);
    expect(doorB.arrived.length).toBeGreaterThan(0);
    expect(doorB.arrived.filter((w) => w.at <= deadline)).toEqual([]);
    // Each member is invited exactly once between the two of them.
    const invites = [...doorA.arrived, ...doorB.arrived].filter((w) => w.what.startsWith("invite"));
    expect(invites.map((w) => w.what).sort()).toEqual(
      members.map((m) => `invite:${m}@acme.com`).sort(),
    );
    const spec = h.server.get("leases", "roster-system", "roster-controller")?.spec;
    expect(spec).toMatchObject({ holderIdentity: "pod-b" });
  });
});
