import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { KubeClients } from "../../controller/adapters/kubernetes/client.js";
import { connectKube, kubeConfigForServer } from "../../controller/adapters/kubernetes/client.js";
import { LeaderElector, microTime } from "../../controller/adapters/kubernetes/leader-election.js";
import { FakeKubeApiServer } from "../fakes/kube-api-server.js";
import { waitFor } from "./helpers.js";

let server: FakeKubeApiServer;
let kube: KubeClients;
const electors: LeaderElector[] = [];

beforeEach(async () => {
  server = new FakeKubeApiServer();
  kube = connectKube({ config: kubeConfigForServer(await server.start()) });
});
afterEach(async () => {
  for (const e of electors.splice(0)) await e.stop({ release: false });
  await server.close();
});

function candidate(identity: string, log: string[], leaseDurationMs = 1000) {
  const elector = new LeaderElector({
    api: kube.coordination,
    name: "roster",
    namespace: "roster-system",
    identity,
    leaseDurationMs,
    renewDeadlineMs: 600,
    retryPeriodMs: 100,
    onStartedLeading: () => log.push(`${identity} started`),
    onStoppedLeading: () => log.push(`${identity} stopped`),
  });
  electors.push(elector);
  return elector;
}

describe("LeaderElector on a coordination.k8s.io/v1 Lease", () => {
  it("formats MicroTime with six fractional digits", () => {
    expect(microTime(new Date("2026-01-02T03:04:05.123Z"))).toBe("2026-01-02T03:04:05.123000Z");
  });

  it("elects exactly one of two candidates and writes a well-formed Lease", async () => {
    const log: string[] = [];
    const a = candidate("pod-a", log);
    const b = candidate("pod-b", log);
    a.start();
    await waitFor(() => a.isLeader);
    b.start();
    await waitFor(() => b.observedHolder === "pod-a");
    await new Promise((r) => setTimeout(r, 300));
    expect([a.isLeader, b.isLeader]).toEqual([true, false]);
    const lease = server.get("leases", "roster-system", "roster");
    const spec = lease?.spec as Record<string, unknown>;
    expect(spec.holderIdentity).toBe("pod-a");
    expect(spec.leaseDurationSeconds).toBe(1);
    expect(spec.leaseTransitions).toBe(0);
    expect(spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(spec.acquireTime).toMatch(/\.\d{6}Z$/);
    // The leader renews: replaces of the Lease keep coming, each with its resourceVersion.
    const replaces = () =>
      server.requests.filter((r) => r.method === "PUT" && r.path.endsWith("/leases/roster"));
    await waitFor(() => replaces().length >= 3, 5000, "renewals");
    for (const r of replaces()) {
      expect(
        (r.body as { metadata: { resourceVersion?: string } }).metadata.resourceVersion,
      ).toMatch(/^\d+$/);
    }
    expect([a.isLeader, b.isLeader]).toEqual([true, false]);
    expect(log).toEqual(["pod-a started"]);
  });

  it("lets a standby take over after the leader stops renewing (lease lapses)", async () => {
    const log: string[] = [];
    const a = candidate("pod-a", log);
    const b = candidate("pod-b", log);
    a.start();
    await waitFor(() => a.isLeader);
    b.start();
    await waitFor(() => b.observedHolder === "pod-a");
    const crashedAt = Date.now();
    await a.stop({ release: false }); // a crash: no hand-over
    await waitFor(() => b.isLeader, 5000);
    // Not before the 1 s lease lapsed on the standby's own clock.
    expect(Date.now() - crashedAt).toBeGreaterThanOrEqual(900);
    const spec = server.get("leases", "roster-system", "roster")?.spec as Record<string, unknown>;
    expect(spec.holderIdentity).toBe("pod-b");
    expect(spec.leaseTransitions).toBe(1);
  });

  it("hands the Lease over at once on a graceful stop (SIGTERM)", async () => {
    const log: string[] = [];
    // A 30 s lease: taking over within the 5 s wait below proves the standby did not wait for it.
    const a = candidate("pod-a", log, 30_000);
    const b = candidate("pod-b", log, 30_000);
    a.start();
    await waitFor(() => a.isLeader);
    b.start();
    await waitFor(() => b.observedHolder === "pod-a");
    await a.stop({ release: true });
    expect(a.isLeader).toBe(false);
    const released = server.get("leases", "roster-system", "roster")?.spec as Record<
      string,
      unknown
    >;
    expect(released.holderIdentity).toBe("");
    await waitFor(() => b.isLeader, 5000, "pod-b leading before the lease could lapse");
    expect(log).toEqual(["pod-a started", "pod-a stopped", "pod-b started"]);
  });

  it("steps down when it cannot renew within the renew deadline", async () => {
    const log: string[] = [];
    const a = candidate("pod-a", log);
    a.start();
    await waitFor(() => a.isLeader);
    server.failNext("GET", "/leases/roster", 503, 1000);
    await waitFor(() => !a.isLeader, 5000);
    // isLeader turns false at the deadline itself; the stopped callback follows on its own turn.
    await waitFor(() => log.length >= 2, 5000, "the stopped callback after the step-down");
    expect(log).toEqual(["pod-a started", "pod-a stopped"]);
  });

  it("refuses inconsistent timings", () => {
    expect(
      () =>
        new LeaderElector({
          api: kube.coordination,
          name: "x",
          namespace: "y",
          identity: "z",
          leaseDurationMs: 1000,
          renewDeadlineMs: 2000,
        }),
    ).toThrow(/lease duration > renew deadline > retry period/);
  });
});
