import { afterEach, describe, expect, it } from "vitest";
import type { KubernetesController } from "../../controller/cli/kubernetes/controller.js";
import type { ActualOrganization } from "../../controller/model/index.js";
import { MemoryBackend } from "../fakes/memory-backend.js";
import type { CrdResource } from "../fakes/kube-crds.js";
import { loadCrds } from "../fakes/kube-crds.js";
import { Harness } from "./harness.js";
import { waitFor } from "./helpers.js";

/**
 * A real API server drops every status field its CRD does not declare, silently for the
 * controller (only a Warning header says so). The controller reads its own status back: the
 * transition times it keeps, the Member statuses it skips when unchanged. These tests run it
 * against the fake serving the CRDs from crds/, and once against a CRD missing one field, to
 * show that the checks here catch a field the schema generator forgot.
 */

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function team(
  harness: Harness,
  backend: MemoryBackend = harness.backend,
): Promise<KubernetesController> {
  await harness.createOrg("acme");
  await harness.createMember("alice", "owner");
  await harness.createMember("bob", "member");
  await harness.createMember("carol", "admin");
  const controller = await harness.controller({ backend });
  await harness.waitForReady();
  backend.acceptInvite("acme", "bob@acme.com");
  controller.resync();
  await waitFor(
    () => (harness.org()?.status as { members?: number } | undefined)?.members === 2,
    10_000,
    "bob joined",
  );
  await harness.settle();
  return controller;
}

/** Status writes of `rounds` resyncs of an org where nothing changed. */
async function quietResyncWrites(controller: KubernetesController, rounds: number) {
  const before = controller.statusWrites;
  for (let i = 0; i < rounds; i++) {
    const reconciles = controller.stats.reconciles;
    controller.resync();
    await waitFor(() => controller.stats.reconciles > reconciles, 10_000, "a resync");
    await h!.settle();
  }
  return controller.statusWrites - before;
}

function controllerRequests(harness: Harness) {
  return harness.server.requests.filter((r) => r.token === "controller-1");
}

/**
 * A Portal whose times read as SQL's `2026-12-01 13:27:23` (no "T", no zone): the HTTP API does
 * not promise RFC 3339, and the CRD's `format: date-time` refuses anything else.
 */
class SqlTimesBackend extends MemoryBackend {
  override async snapshot(org: string): Promise<ActualOrganization | null> {
    const actual = await super.snapshot(org);
    const sql = (t: string) => t.replace("T", " ").replace(/\.\d+Z$/, "");
    if (!actual) return actual;
    return {
      ...actual,
      members: actual.members.map((m) => ({ ...m, since: sql(m.since) })),
      invitations: actual.invitations.map((i) => ({ ...i, sentAt: sql(i.sentAt) })),
    };
  }
}

/** crds/ with one status property removed from one kind's schema. */
function crdsWithout(kind: string, statusField: string): CrdResource[] {
  return loadCrds().map((crd) => {
    if (crd.kind !== kind) return crd;
    const schema = structuredClone(crd.schema);
    delete schema.properties!.status!.properties![statusField];
    return { ...crd, schema };
  });
}

describe("the controller's status, as the CRDs in crds/ let a cluster store it", () => {
  it("writes only declared, valid fields, so a quiet resync patches the org's lastSyncedAt and no Member", async () => {
    h = await new Harness().start();
    const controller = await team(h);
    expect(h.phase("bob")).toBe("Active");
    expect(h.member("bob")!.status).toMatchObject({ joinedAt: expect.any(String) });

    expect(await quietResyncWrites(controller, 2)).toBe(2);

    const requests = controllerRequests(h);
    expect(requests.flatMap((r) => r.warnings)).toEqual([]); // nothing pruned
    expect(requests.filter((r) => r.status === 422 || r.status === 400)).toEqual([]);
    // Every status patch the controller sent is what the API server kept, field for field.
    const patches = requests.filter((r) => r.method === "PATCH" && r.path.endsWith("/status"));
    expect(patches.length).toBeGreaterThan(4);
    const last = patches.filter((r) => r.path.endsWith("/members/bob/status")).at(-1)!;
    const sent = (last.body as { status: Record<string, unknown> }).status;
    expect(h.member("bob")!.status).toMatchObject(sent);
  });

  it("would notice a status field the CRD does not declare: pruned, warned, re-written every resync", async () => {
    h = await new Harness({ crds: crdsWithout("Member", "phase") }).start();
    const controller = await team(h);
    expect(h.phase("bob")).toBeUndefined(); // the server dropped it

    // Each resync finds every Member's status "changed" and patches all three again.
    expect(await quietResyncWrites(controller, 2)).toBe(2 + 2 * 3);
    const warnings = controllerRequests(h).flatMap((r) => r.warnings);
    expect(warnings).toContain('unknown field "status.phase"');
  });

  it("keeps status writable when the backend's times are not RFC 3339: such a time is left out", async () => {
    h = await new Harness().start();
    const backend = new SqlTimesBackend();
    await team(h, backend);
    expect(h.phase("bob")).toBe("Active");
    expect(h.phase("carol")).toBe("Invited");
    const requests = controllerRequests(h);
    expect(requests.filter((r) => r.status === 422)).toEqual([]);
    expect(h.member("bob")!.status).not.toHaveProperty("joinedAt");
    expect(h.member("carol")!.status).not.toHaveProperty("invitedAt");
  });
});
