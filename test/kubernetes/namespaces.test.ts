import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connectKube, kubeConfigForServer } from "../../controller/adapters/kubernetes/client.js";
import { KubernetesSource } from "../../controller/adapters/kubernetes/source.js";
import { reconcile } from "../../controller/reconcile/index.js";
import { MemoryState } from "../apply/memory-state.js";
import { MemoryBackend } from "../fakes/memory-backend.js";
import { Harness } from "./harness.js";
import { waitFor } from "./helpers.js";

let h: Harness;
beforeEach(async () => {
  h = await new Harness().start();
});
afterEach(async () => {
  await h.close();
});

function put(kind: "organizations" | "members", namespace: string, name: string, spec: object) {
  h.server.put(kind, { metadata: { name, namespace }, spec: spec as Record<string, unknown> });
}

function stalled(namespace: string, name: string) {
  return h.condition(h.server.get("organizations", namespace, name), "Stalled");
}

describe("Kubernetes mode across namespaces", () => {
  it("stalls when a Member refers to an Organization of another namespace, with zero writes", async () => {
    put("organizations", "team-a", "acme", {});
    put("members", "team-a", "alice", {
      organization: "acme",
      email: "alice@acme.com",
      role: "owner",
    });
    put("members", "team-b", "mallory", {
      organization: "acme",
      email: "mallory@evil.com",
      role: "admin",
    });
    await h.controller({ namespace: undefined });
    await waitFor(() => stalled("team-a", "acme")?.status === "True", 10_000, "Stalled");
    await h.settle();
    expect(stalled("team-a", "acme")?.message).toContain("team-b/Member/mallory");
    expect(stalled("team-a", "acme")?.message).toMatch(
      /same namespace|namespace of its Organization/,
    );
    expect(h.writes()).toEqual([]);
    const mallory = h.server.get("members", "team-b", "mallory")!;
    expect((mallory.status as { phase?: string }).phase).toBe("Blocked");
  });

  it("stalls when two namespaces declare the same organization, naming both", async () => {
    put("organizations", "team-a", "acme", {});
    put("organizations", "team-b", "acme", {});
    put("members", "team-a", "alice", {
      organization: "acme",
      email: "alice@acme.com",
      role: "owner",
    });
    await h.controller({ namespace: undefined });
    await waitFor(() => stalled("team-b", "acme")?.status === "True", 10_000, "Stalled");
    await h.settle();
    for (const ns of ["team-a", "team-b"]) {
      expect(stalled(ns, "acme")?.message).toContain("team-a/Organization/acme");
      expect(stalled(ns, "acme")?.message).toContain("team-b/Organization/acme");
    }
    expect(h.writes()).toEqual([]);
  });

  it("watches one namespace only when asked to", async () => {
    put("organizations", "team", "acme", {});
    put("members", "team", "alice", {
      organization: "acme",
      email: "alice@acme.com",
      role: "owner",
    });
    put("organizations", "other", "beta", {});
    put("members", "other", "bert", {
      organization: "beta",
      email: "bert@beta.com",
      role: "owner",
    });
    await h.controller({ namespace: "team" });
    await h.waitForReady();
    await h.settle();
    expect(await h.backend.listOrganizations()).toEqual(["acme"]);
    expect(h.server.get("organizations", "other", "beta")?.status).toBeUndefined();
    const lists = h.server.requests.filter((r) => r.method === "GET").map((r) => r.path);
    expect(lists.every((p) => p.includes("/namespaces/team/"))).toBe(true);
  });
});

describe("--source kubernetes for one-shot commands", () => {
  it("plans from the cluster's resources, named NAMESPACE/Kind/NAME", async () => {
    put("organizations", "team", "acme", {});
    put("members", "team", "alice", {
      organization: "acme",
      email: "alice@acme.com",
      role: "owner",
    });
    put("members", "team", "bob", { organization: "acme", email: "Bob@Acme.com", role: "member" });
    const source = new KubernetesSource(
      connectKube({ config: kubeConfigForServer(h.server.url) }),
      "team",
    );
    const snapshot = await source.read();
    // The objects themselves, validated as they are (no rendering to text and back).
    expect(snapshot.files).toEqual([]);
    expect(snapshot.objects?.map((o) => o.ref)).toEqual([
      "team/Member/alice",
      "team/Member/bob",
      "team/Organization/acme",
    ]);
    const result = await reconcile(
      { source, backend: new MemoryBackend(), state: new MemoryState() },
      { dryRun: true },
    );
    expect(result.issues.filter((i) => i.severity === "error")).toEqual([]);
    expect(result.plan?.steps.map((s) => `${s.action}:${s.email ?? ""}`)).toEqual([
      "createOrganization:alice@acme.com",
      "invite:bob@acme.com",
    ]);
  });

  it("fails loudly when the cluster cannot be read (never an empty source)", async () => {
    const source = new KubernetesSource(
      connectKube({ config: kubeConfigForServer(h.server.url) }),
      undefined,
    );
    h.server.failNext("GET", "/members", 500);
    await expect(source.read()).rejects.toThrow(/cannot list members .*500/);
  });
});
