import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BoundedWatch } from "../../controller/adapters/kubernetes/bounded-watch.js";
import { RosterCache } from "../../controller/adapters/kubernetes/cache.js";
import type { KubeClients } from "../../controller/adapters/kubernetes/client.js";
import { connectKube, kubeConfigForServer } from "../../controller/adapters/kubernetes/client.js";
import { FakeKubeApiServer } from "../fakes/kube-api-server.js";
import { waitFor } from "./helpers.js";

const ns = "team";
const MEMBERS = "/apis/roster.workjet.io/v1alpha1/namespaces/team/members";
let server: FakeKubeApiServer;
let kube: KubeClients;

beforeEach(async () => {
  server = new FakeKubeApiServer();
  const url = await server.start();
  kube = connectKube({ config: kubeConfigForServer(url, ns, "cache"), requestTimeoutMs: 300 });
});
afterEach(async () => {
  await server.close();
});

function member(name: string) {
  return {
    apiVersion: "roster.workjet.io/v1alpha1",
    kind: "Member",
    metadata: { name, namespace: ns },
    spec: { organization: "acme", email: `${name}@acme.com`, role: "member" },
  };
}

describe("every Kubernetes API call has a deadline", () => {
  it("aborts an ordinary call the server never answers, down to the socket", async () => {
    server.hangNext("GET", "/leases/roster");
    const started = performance.now();
    const call = kube.coordination.readNamespacedLease({ name: "roster", namespace: ns });
    await expect(call).rejects.toThrow(/abort/i);
    expect(performance.now() - started).toBeLessThan(5000);
    // The client closed the connection: the server holds nothing open for it.
    await waitFor(() => server.hungRequests === 0, 5000, "the hung request closed");
  });

  it("aborts a watch whose response never starts, and one that goes silent", async () => {
    const watch = new BoundedWatch(kube.config, {
      timeoutSeconds: 1,
      random: () => 0,
      connectTimeoutMs: 200,
      graceMs: 300,
    });
    const ended: unknown[] = [];
    server.hangNext("GET", "/members");
    await watch.watch(
      MEMBERS,
      {},
      () => {},
      (err) => ended.push(err),
    );
    expect(ended).toHaveLength(1);
    expect(String(ended[0])).toMatch(/abort/i);
    await waitFor(() => server.hungRequests === 0, 5000, "the hung watch closed");

    // The watch is up, then a partition: the stream stays open on the server but nothing, not
    // even its end at timeoutSeconds, reaches the client.
    ended.length = 0;
    const started = performance.now();
    await watch.watch(
      MEMBERS,
      { resourceVersion: "0" },
      () => {},
      (err) => ended.push(err),
    );
    await waitFor(() => server.watchCount === 1, 5000, "the watch open");
    server.partition("cache");
    await waitFor(() => ended.length === 1, 5000, "the silent watch aborted");
    const took = performance.now() - started;
    // Not before the server's timeoutSeconds plus the grace period, and not much after.
    expect(took).toBeGreaterThanOrEqual(1200);
    expect(took).toBeLessThan(4000);
    server.heal("cache");
    await waitFor(() => server.watchCount === 0, 5000, "the server's side of the watch closed");
  });

  it("asks for bookmarks and a server-side timeout, and re-watches without a re-list", async () => {
    const seen: string[] = [];
    const cache = new RosterCache(kube, {
      namespace: ns,
      watchTimeoutSeconds: 1,
      onChange: (_kind, o, type) => seen.push(`${type}:${o.metadata.name}`),
    });
    await cache.start();
    await cache.whenSynced();
    const watches = () => server.requests.filter((r) => r.query.watch && r.path === MEMBERS);
    await waitFor(() => watches().length === 1, 5000, "the first watch");
    expect(watches()[0]!.query).toMatchObject({ allowWatchBookmarks: "true" });
    expect(Number(watches()[0]!.query.timeoutSeconds)).toBeGreaterThanOrEqual(1);
    server.put("leases", { metadata: { name: "other", namespace: ns }, spec: {} });
    const lists = cache.stats.lists;
    // The server ends the watch at its timeout, with a last BOOKMARK: the informer re-watches
    // from that resourceVersion (the Lease's, newer than any Member's) and does not re-list.
    await waitFor(() => watches().length >= 2, 10_000, "a second watch");
    const lease = server.get("leases", ns, "other")!;
    expect(watches()[1]!.query.resourceVersion).toBe(lease.metadata.resourceVersion);
    expect(cache.stats.lists).toBe(lists);
    await kube.custom.createNamespacedCustomObject({
      group: "roster.workjet.io",
      version: "v1alpha1",
      namespace: ns,
      plural: "members",
      body: member("dan"),
    });
    await waitFor(() => seen.includes("add:dan"), 5000, "dan seen through the new watch");
    await cache.stop();
  });
});
