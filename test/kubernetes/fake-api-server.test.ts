import { PatchStrategy, Watch, setHeaderOptions } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { KubeClients } from "../../controller/adapters/kubernetes/client.js";
import { connectKube, kubeConfigForServer } from "../../controller/adapters/kubernetes/client.js";
import { RosterCache } from "../../controller/adapters/kubernetes/cache.js";
import { apiStatusCode } from "../../controller/adapters/kubernetes/api-errors.js";
import { FakeKubeApiServer } from "../fakes/kube-api-server.js";
import { waitFor } from "./helpers.js";

const group = "roster.workjet.io";
const version = "v1alpha1";
const ns = "team";

let server: FakeKubeApiServer;
let kube: KubeClients;

beforeEach(async () => {
  server = new FakeKubeApiServer();
  kube = connectKube({ config: kubeConfigForServer(await server.start()) });
});
afterEach(async () => {
  await server.close();
});

function member(name: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: `${group}/${version}`,
    kind: "Member",
    metadata: { name, namespace: ns, ...extra },
    spec: { organization: "acme", email: `${name}@acme.com`, role: "member" },
  };
}

describe("fake Kubernetes API server, driven by @kubernetes/client-node", () => {
  it("creates, lists and gets custom objects with resourceVersions and generation 1", async () => {
    const created = await kube.custom.createNamespacedCustomObject({
      group,
      version,
      namespace: ns,
      plural: "members",
      body: member("alice"),
    });
    expect(created.metadata.generation).toBe(1);
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    const list: { items: { metadata: { name: string } }[]; metadata: { resourceVersion: string } } =
      await kube.custom.listNamespacedCustomObject({
        group,
        version,
        namespace: ns,
        plural: "members",
      });
    expect(list.items.map((o) => o.metadata.name)).toEqual(["alice"]);
    expect(Number(list.metadata.resourceVersion)).toBeGreaterThanOrEqual(
      Number(created.metadata.resourceVersion),
    );
    const all = await kube.custom.listCustomObjectForAllNamespaces({
      group,
      version,
      plural: "members",
    });
    expect(all.items).toHaveLength(1);
    const missing = await kube.custom
      .getNamespacedCustomObject({ group, version, namespace: ns, plural: "members", name: "x" })
      .catch((e: unknown) => e);
    expect(apiStatusCode(missing)).toBe(404);
  });

  it("merge-patches status without bumping generation; spec patches bump it", async () => {
    await kube.custom.createNamespacedCustomObject({
      group,
      version,
      namespace: ns,
      plural: "members",
      body: member("bob"),
    });
    const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
    const base = { group, version, namespace: ns, plural: "members", name: "bob" };
    const withStatus = await kube.custom.patchNamespacedCustomObjectStatus(
      { ...base, body: { status: { phase: "Invited" }, spec: { role: "admin" } } },
      merge,
    );
    expect(withStatus.status).toEqual({ phase: "Invited" });
    expect(withStatus.spec.role).toBe("member"); // the status subresource ignores spec
    expect(withStatus.metadata.generation).toBe(1);
    const withSpec = await kube.custom.patchNamespacedCustomObject(
      { ...base, body: { spec: { role: "admin" }, status: { phase: "Active" } } },
      merge,
    );
    expect(withSpec.metadata.generation).toBe(2);
    expect(withSpec.status).toEqual({ phase: "Invited" }); // the main resource ignores status
    const log = server.requests.filter((r) => r.method === "PATCH");
    expect(log.map((r) => r.contentType)).toEqual([
      "application/merge-patch+json",
      "application/merge-patch+json",
    ]);
    const stale = await kube.custom
      .patchNamespacedCustomObject(
        { ...base, body: { metadata: { resourceVersion: "1" }, spec: { role: "member" } } },
        merge,
      )
      .catch((e: unknown) => e);
    expect(apiStatusCode(stale)).toBe(409);
  });

  it("keeps a deleted object with finalizers until the last one is removed", async () => {
    await kube.custom.createNamespacedCustomObject({
      group,
      version,
      namespace: ns,
      plural: "members",
      body: member("carol", { finalizers: ["roster.workjet.io/revoke-access"] }),
    });
    const base = { group, version, namespace: ns, plural: "members", name: "carol" };
    const events: string[] = [];
    const watch = await new Watch(kube.config).watch(
      `/apis/${group}/${version}/namespaces/${ns}/members`,
      { resourceVersion: server.get("members", ns, "carol")!.metadata.resourceVersion },
      (type: string, o: { metadata: { resourceVersion: string; finalizers?: string[] } }) =>
        events.push(`${type}:${o.metadata.finalizers?.length ?? 0}:${o.metadata.resourceVersion}`),
      () => {},
    );
    await kube.custom.deleteNamespacedCustomObject(base);
    const deleting = await kube.custom.getNamespacedCustomObject(base);
    expect(deleting.metadata.deletionTimestamp).toMatch(/Z$/);
    await kube.custom.patchNamespacedCustomObject(
      { ...base, body: { metadata: { finalizers: null } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    const gone = await kube.custom.getNamespacedCustomObject(base).catch((e: unknown) => e);
    expect(apiStatusCode(gone)).toBe(404);
    // As a real API server: the deletion mark, the update that empties the finalizers, then the
    // deletion itself, each with a newer resourceVersion.
    await waitFor(() => events.length === 3, 5000, "three watch events");
    watch.abort();
    expect(events.map((e) => e.split(":").slice(0, 2).join(":"))).toEqual([
      "MODIFIED:1",
      "MODIFIED:0",
      "DELETED:0",
    ]);
    const versions = events.map((e) => Number(e.split(":")[2]));
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(3);
  });

  it("streams watch events to informers, which re-list after a dropped, compacted watch", async () => {
    const seen: string[] = [];
    const cache = new RosterCache(kube, {
      namespace: ns,
      onChange: (kind, o, type) => seen.push(`${type}:${kind}:${o.metadata.name}`),
      restartDelayMs: 10,
    });
    await cache.start();
    await cache.whenSynced();
    await kube.custom.createNamespacedCustomObject({
      group,
      version,
      namespace: ns,
      plural: "members",
      body: member("dan"),
    });
    await waitFor(() => cache.members().length === 1);
    expect(seen).toEqual(["add:Member:dan"]);
    const listsBefore = cache.stats.lists;
    server.compact();
    server.dropWatches();
    server.put("members", member("erin"));
    await waitFor(() => cache.members().length === 2);
    expect(cache.stats.lists).toBeGreaterThan(listsBefore);
    expect(seen).toEqual(["add:Member:dan", "add:Member:erin"]);
    await cache.stop();
  });

  it("sends BOOKMARKs that move a watcher's resourceVersion without changing its cache", async () => {
    const seen: string[] = [];
    const cache = new RosterCache(kube, {
      namespace: ns,
      onChange: (_kind, o, type) => seen.push(`${type}:${o.metadata.name}`),
    });
    await cache.start();
    await cache.whenSynced();
    await waitFor(() => server.watchCount === 3);
    server.put("leases", { metadata: { name: "other", namespace: ns }, spec: {} }); // moves the revision
    server.bookmark();
    const watchesBefore = server.requests.filter((r) => r.query.watch).length;
    await new Promise((r) => setTimeout(r, 50));
    server.dropWatches();
    await waitFor(() => server.requests.filter((r) => r.query.watch).length === watchesBefore + 3);
    const rewatch = server.requests.filter((r) => r.query.watch).slice(-3);
    const lease = server.get("leases", ns, "other")!;
    for (const r of rewatch) expect(r.query.resourceVersion).toBe(lease.metadata.resourceVersion);
    expect(seen).toEqual([]);
    await cache.stop();
  });

  it("serves Leases with optimistic concurrency (409 on a stale resourceVersion)", async () => {
    const lease = await kube.coordination.createNamespacedLease({
      namespace: "roster-system",
      body: { metadata: { name: "roster" }, spec: { holderIdentity: "a" } },
    });
    const again = await kube.coordination
      .createNamespacedLease({
        namespace: "roster-system",
        body: { metadata: { name: "roster" }, spec: { holderIdentity: "b" } },
      })
      .catch((e: unknown) => e);
    expect(apiStatusCode(again)).toBe(409);
    const replaced = await kube.coordination.replaceNamespacedLease({
      name: "roster",
      namespace: "roster-system",
      body: { ...lease, spec: { holderIdentity: "b" } },
    });
    expect(replaced.spec?.holderIdentity).toBe("b");
    const stale = await kube.coordination
      .replaceNamespacedLease({
        name: "roster",
        namespace: "roster-system",
        body: { ...lease, spec: { holderIdentity: "c" } },
      })
      .catch((e: unknown) => e);
    expect(apiStatusCode(stale)).toBe(409);
  });
});
