import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseMetrics, RunningController } from "../controller/run-harness.js";
import { FakeKubeApiServer } from "../fakes/kube-api-server.js";
import { waitFor } from "./helpers.js";

const EXAMPLE = path.resolve(import.meta.dirname, "../../examples/acme");

function kubeconfigYaml(server: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    `clusters:\n- name: fake\n  cluster:\n    server: ${server}\n    insecure-skip-tls-verify: true`,
    "users:\n- name: ci\n  user:\n    token: t",
    "contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: ci\n    namespace: roster-system",
    "current-context: fake",
    "",
  ].join("\n");
}

describe("roster run --leader-elect on a folder source (Git mode in a cluster)", () => {
  let server: FakeKubeApiServer;
  let dir: string;
  const running: RunningController[] = [];
  beforeEach(async () => {
    server = new FakeKubeApiServer();
    await server.start();
    dir = mkdtempSync(path.join(tmpdir(), "roster-git-leader-"));
  });
  afterEach(async () => {
    for (const r of running.splice(0)) await r.stop();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a rollout (new pod up, old pod terminating) never has two writers", async () => {
    const kubeconfig = path.join(dir, "kubeconfig");
    writeFileSync(kubeconfig, kubeconfigYaml(server.url));
    const source = path.join(dir, "orgs");
    cpSync(EXAMPLE, source, { recursive: true });
    // Each pod with its own store: whatever a pod writes shows in its own logs and database.
    const pod = (identity: string) =>
      new RunningController(
        [
          "--source",
          source,
          "--backend",
          `sqlite:${path.join(dir, `${identity}.db`)}`,
          "--leader-elect",
          "--kubeconfig",
          kubeconfig,
          "--lease-duration",
          "3s",
          "--renew-deadline",
          "2s",
          "--retry-period",
          "200ms",
          "--interval",
          "1s",
          "--listen",
          "127.0.0.1:0",
          "--identity",
          identity,
        ],
        dir,
      );
    const a = pod("pod-a");
    running.push(a);
    await a.waitForLog((l) => l.msg === "started leading");
    await a.waitForLog((l) => l.msg === "step done");
    // The new pod comes up while the old one still leads: it stands by and writes nothing.
    const b = pod("pod-b");
    running.push(b);
    await b.waitForLog((l) => l.msg === "lease holder" && l.holder === "pod-a");
    const url = await b.started();
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, 15_000, "b ready");
    expect(b.logs.filter((l) => l.msg === "step done" || l.msg === "synced")).toEqual([]);
    const leader = async (r: RunningController) =>
      parseMetrics(await (await fetch(`${r.url}/metrics`)).text()).get("roster_kubernetes_leader");
    await a.started();
    expect(await leader(a)).toBe(1);
    expect(await leader(b)).toBe(0);

    // The old pod terminates: it hands the Lease back and the new one takes over at once.
    const stoppingAt = Date.now();
    expect(await a.stop()).toBe(0);
    running.splice(running.indexOf(a), 1);
    // It handed the Lease back (the standby may have taken it already).
    const handBack = server.requests.filter(
      (r) =>
        r.method === "PUT" &&
        r.path.endsWith("/leases/roster-controller") &&
        (r.body as { spec?: { holderIdentity?: string } }).spec?.holderIdentity === "",
    );
    expect(handBack.map((r) => r.status)).toEqual([200]);
    const started = await b.waitForLog((l) => l.msg === "started leading", 15_000);
    await b.waitForLog((l) => l.msg === "step done", 15_000);
    expect(await leader(b)).toBe(1);
    // Well before the 3 s lease could lapse: the hand-over, not the timeout.
    expect(Number(started.time) - stoppingAt).toBeLessThan(3000);
    const lastOfA = Math.max(
      ...a.logs.filter((l) => l.msg === "step done").map((l) => Number(l.time)),
    );
    const firstOfB = Math.min(
      ...b.logs.filter((l) => l.msg === "step done").map((l) => Number(l.time)),
    );
    const aStopped = a.logs.find((l) => l.msg === "stopped leading");
    expect(aStopped).toBeDefined();
    expect(lastOfA).toBeLessThanOrEqual(Number(aStopped!.time));
    expect(Number(aStopped!.time)).toBeLessThanOrEqual(Number(started.time));
    expect(firstOfB).toBeGreaterThanOrEqual(Number(started.time));
  });
});
