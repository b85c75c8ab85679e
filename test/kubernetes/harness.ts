import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { KubeClients } from "../../controller/adapters/kubernetes/client.js";
import { connectKube, kubeConfigForServer } from "../../controller/adapters/kubernetes/client.js";
import type { KubernetesControllerOptions } from "../../controller/cli/kubernetes/controller.js";
import { KubernetesController } from "../../controller/cli/kubernetes/controller.js";
import type { IdentityBackend } from "../../controller/model/index.js";
import { MemoryState } from "../apply/memory-state.js";
import type { KubeObject } from "../fakes/kube-api-server.js";
import type { CrdResource } from "../fakes/kube-crds.js";
import { FakeKubeApiServer } from "../fakes/kube-api-server.js";
import { MemoryBackend } from "../fakes/memory-backend.js";
import { waitFor } from "./helpers.js";

export const NS = "team";
const group = "roster.workjet.io";
const version = "v1alpha1";
const KINDS: Record<string, string> = {
  organizations: "Organization",
  members: "Member",
  accessreviews: "AccessReview",
};

/** A fake API server, a backend and controller instances wired to them, torn down together. */
export class Harness {
  readonly server: FakeKubeApiServer;
  readonly backend = new MemoryBackend();
  readonly state = new MemoryState();
  readonly controllers: KubernetesController[] = [];
  kube!: KubeClients;

  /** `crds`: the API server serves these CRD schemas instead of crds/'. */
  constructor(options: { crds?: CrdResource[] } = {}) {
    this.server = new FakeKubeApiServer(options);
  }

  async start(): Promise<this> {
    const url = await this.server.start();
    this.kube = connectKube({ config: kubeConfigForServer(url, NS, "test-client") });
    return this;
  }

  /** A controller instance with its own client (bearer token = identity) and fast timings. */
  async controller(
    overrides: Partial<KubernetesControllerOptions> & { backend?: IdentityBackend } = {},
  ): Promise<KubernetesController> {
    const identity = overrides.identity ?? `controller-${this.controllers.length + 1}`;
    const controller = new KubernetesController({
      clients: connectKube({
        config: kubeConfigForServer(this.server.url, NS, identity),
        requestTimeoutMs: 2000,
      }),
      backend: this.backend,
      state: this.state,
      namespace: NS,
      identity,
      leaderElection: false,
      resyncPeriodMs: 60_000,
      retry: { maxAttempts: 1, sleep: () => Promise.resolve() },
      cacheRestartDelayMs: 20,
      ...overrides,
    });
    this.controllers.push(controller);
    await controller.start();
    return controller;
  }

  async close(): Promise<void> {
    for (const c of this.controllers) await c.stop({ releaseLease: false, deadlineMs: 5000 });
    await this.server.close();
  }

  createOrg(name: string, spec: Record<string, unknown> = {}): Promise<KubeObject> {
    return this.create("organizations", {
      metadata: { name, namespace: NS },
      spec: { domains: ["acme.com"], ...spec },
    });
  }

  createMember(name: string, role: string, org = "acme", namespace = NS): Promise<KubeObject> {
    return this.create("members", {
      metadata: { name, namespace },
      spec: { organization: org, email: `${name}@acme.com`, role },
    });
  }

  createAccessReview(
    name: string,
    spec: { reviewer: string; reviewedAt: string; organization?: string; notes?: string },
    namespace = NS,
  ): Promise<KubeObject> {
    return this.create("accessreviews", {
      metadata: { name, namespace },
      spec: { organization: "acme", ...spec },
    });
  }

  private async create(
    plural: string,
    body: { metadata: { name: string; namespace?: string }; spec: Record<string, unknown> },
  ): Promise<KubeObject> {
    return (await this.kube.custom.createNamespacedCustomObject({
      group,
      version,
      namespace: body.metadata.namespace ?? NS,
      plural,
      body: {
        apiVersion: `${group}/${version}`,
        kind: KINDS[plural],
        ...body,
      },
    })) as KubeObject;
  }

  async patchSpec(plural: string, name: string, spec: Record<string, unknown>): Promise<void> {
    await this.kube.custom.patchNamespacedCustomObject(
      { group, version, namespace: NS, plural, name, body: { spec } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
  }

  async delete(plural: string, name: string): Promise<void> {
    await this.kube.custom.deleteNamespacedCustomObject({
      group,
      version,
      namespace: NS,
      plural,
      name,
    });
  }

  member(name: string): KubeObject | undefined {
    return this.server.get("members", NS, name);
  }

  org(name = "acme"): KubeObject | undefined {
    return this.server.get("organizations", NS, name);
  }

  phase(name: string): unknown {
    return (this.member(name)?.status as { phase?: string } | undefined)?.phase;
  }

  condition(object: KubeObject | undefined, type: string): Record<string, unknown> | undefined {
    const conditions = (object?.status as { conditions?: Record<string, unknown>[] } | undefined)
      ?.conditions;
    return conditions?.find((c) => c.type === type);
  }

  /** Writes to the backend, by action (failed attempts included). */
  writes(action?: string) {
    return this.backend.writes.filter((w) => action === undefined || w.action === action);
  }

  events(reason?: string) {
    return this.server
      .list("events", NS)
      .filter((e) => reason === undefined || e.reason === reason);
  }

  /** Waits until the controllers are idle and no watch event is in flight any more. */
  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 60));
      await Promise.all(this.controllers.map((c) => c.whenIdle()));
    }
  }

  async waitForPhase(name: string, phase: string): Promise<void> {
    await waitFor(() => this.phase(name) === phase, 10_000, `${name} in phase ${phase}`);
  }

  async waitForReady(org = "acme"): Promise<void> {
    await waitFor(
      () => this.condition(this.org(org), "Ready")?.status === "True",
      10_000,
      `${org} Ready`,
    );
  }
}
