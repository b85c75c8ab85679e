import { PatchStrategy, Watch, setHeaderOptions } from "@kubernetes/client-node";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { KubeClients } from "../../controller/adapters/kubernetes/client.js";
import { connectKube, kubeConfigForServer } from "../../controller/adapters/kubernetes/client.js";
import { apiStatusCode } from "../../controller/adapters/kubernetes/api-errors.js";
import { FakeKubeApiServer } from "../fakes/kube-api-server.js";
import { loadCrds } from "../fakes/kube-crds.js";
import type { KubeObject } from "../fakes/kube-api-server.js";
import { waitFor } from "./helpers.js";

/**
 * The fake API server treats custom resources as a kube-apiserver does with the CRDs in crds/:
 * pruning, defaulting (on write and on read from storage), validation with 422 Invalid field
 * causes, the status subresource, generation and deletion. Driven by @kubernetes/client-node.
 */

const group = "roster.workjet.io";
const version = "v1alpha1";
const ns = "team";
const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

let server: FakeKubeApiServer;
let kube: KubeClients;
beforeEach(async () => {
  server = new FakeKubeApiServer();
  kube = connectKube({ config: kubeConfigForServer(await server.start()) });
});
afterEach(async () => {
  await server.close();
});

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

const at = (plural: string, name: string) => ({ group, version, namespace: ns, plural, name });

function create(plural: string, body: Record<string, unknown>, fieldValidation?: string) {
  return kube.custom.createNamespacedCustomObject({
    group,
    version,
    namespace: ns,
    plural,
    body: { apiVersion: `${group}/${version}`, ...body },
    ...(fieldValidation ? { fieldValidation } : {}),
  }) as Promise<Obj>;
}

function member(name: string, spec: Record<string, unknown> = {}, metadata = {}) {
  return create("members", {
    kind: "Member",
    metadata: { name, ...metadata },
    spec: { organization: "acme", email: `${name}@acme.com`, role: "member", ...spec },
  });
}

function patch(plural: string, name: string, body: unknown) {
  return kube.custom.patchNamespacedCustomObject(
    { ...at(plural, name), body },
    merge,
  ) as Promise<Obj>;
}

function patchStatus(plural: string, name: string, body: unknown) {
  return kube.custom.patchNamespacedCustomObjectStatus(
    { ...at(plural, name), body },
    merge,
  ) as Promise<Obj>;
}

/** The Status body of a failed call, as the client received it. */
async function failure(call: Promise<unknown>) {
  const error: unknown = await call.then(
    () => {
      throw new Error("the call succeeded");
    },
    (e: unknown) => e,
  );
  const body = (error as { body?: unknown }).body;
  const status = (typeof body === "string" ? JSON.parse(body) : body) as {
    code: number;
    reason: string;
    message: string;
    details?: { name?: string; kind?: string; causes?: { field: string; reason: string }[] };
  };
  expect(apiStatusCode(error)).toBe(status.code);
  return status;
}

const ORG_DEFAULTS = {
  domains: [],
  allowExternal: true,
  autoProvisioning: { enabled: false, role: "member" },
  invitations: { expireAfter: "7d" },
  unmanaged: "remove",
  safety: { maxRemovals: 10 },
  deletionPolicy: "Orphan",
};

describe("custom resources as the CRDs in crds/ define them", () => {
  it("serves every CRD in crds/, each with the rules its own schema declares", async () => {
    const crds = loadCrds();
    expect(crds.map((c) => c.kind).sort()).toEqual(["AccessReview", "Member", "Organization"]);
    for (const crd of crds) {
      const base = { group: crd.group, version: crd.version, namespace: ns, plural: crd.plural };
      const body = {
        apiVersion: `${crd.group}/${crd.version}`,
        kind: crd.kind,
        metadata: { name: "x" },
      };
      const status = await failure(kube.custom.createNamespacedCustomObject({ ...base, body }));
      expect(status.message).toBe(`${crd.kind}.${crd.group} "x" is invalid: spec: Required value`);
      const required = crd.schema.properties!.spec!.required ?? [];
      const withSpec = kube.custom.createNamespacedCustomObject({
        ...base,
        body: { ...body, spec: {} },
      });
      if (required.length === 0) {
        await expect(withSpec).resolves.toMatchObject({ metadata: { name: "x" } });
        continue;
      }
      const empty = await failure(withSpec);
      expect(empty.details!.causes!.map((c) => c.field).sort()).toEqual(
        required.map((r) => `spec.${r}`).sort(),
      );
    }
  });

  it("prunes unknown fields (warning about each), and refuses them when fieldValidation=Strict", async () => {
    const created = await create("organizations", {
      kind: "Organization",
      metadata: { name: "acme", bogus: "x" },
      spec: { domains: ["acme.com"], color: "blue", safety: { maxRemovals: 3, wild: true } },
      extra: { a: 1 },
    });
    expect(created.spec).toEqual({
      ...ORG_DEFAULTS,
      domains: ["acme.com"],
      safety: { maxRemovals: 3 },
    });
    expect(created).not.toHaveProperty("extra");
    expect(created.metadata).not.toHaveProperty("bogus");
    expect(server.requests.at(-1)!.warnings.sort()).toEqual([
      'unknown field "extra"',
      'unknown field "metadata.bogus"',
      'unknown field "spec.color"',
      'unknown field "spec.safety.wild"',
    ]);
    const strict = await failure(
      create(
        "organizations",
        { kind: "Organization", metadata: { name: "b" }, spec: { color: 1 } },
        "Strict",
      ),
    );
    expect(strict).toMatchObject({ code: 400, reason: "BadRequest" });
    expect(strict.message).toBe('strict decoding error: unknown field "spec.color"');
    expect(server.get("organizations", ns, "b")).toBeUndefined();
  });

  it("applies defaults, nested ones inside a defaulted or given object, and in place of null", async () => {
    const org = await create("organizations", {
      kind: "Organization",
      metadata: { name: "acme" },
      spec: { allowExternal: null, autoProvisioning: { enabled: true }, invitations: null },
    });
    expect(org.spec).toEqual({
      ...ORG_DEFAULTS,
      autoProvisioning: { enabled: true, role: "member" },
    });
    // A merge patch that deletes a defaulted field gets the default back.
    const patched = await patch("organizations", "acme", {
      spec: { unmanaged: null, domains: ["a.io"] },
    });
    expect(patched.spec).toMatchObject({ unmanaged: "remove", domains: ["a.io"] });
  });

  it("prunes and defaults on read from storage, for objects written before today's schema", async () => {
    server.putStored("organizations", {
      apiVersion: `${group}/${version}`,
      kind: "Organization",
      metadata: { name: "old", namespace: ns, generation: 4 },
      spec: { domains: ["old.io"], legacyField: "x" },
    });
    const served = (await kube.custom.getNamespacedCustomObject(at("organizations", "old"))) as Obj;
    expect(served.spec).toEqual({ ...ORG_DEFAULTS, domains: ["old.io"] });
    const list = (await kube.custom.listNamespacedCustomObject({
      group,
      version,
      namespace: ns,
      plural: "organizations",
    })) as { items: Obj[] };
    expect(list.items[0]!.spec).toEqual(served.spec);
    const events: Obj[] = [];
    const watch = await new Watch(kube.config).watch(
      `/apis/${group}/${version}/namespaces/${ns}/organizations`,
      {},
      (_type: string, o: Obj) => events.push(o),
      () => {},
    );
    await waitFor(() => events.length === 1, 5000, "the synthetic ADDED");
    watch.abort();
    expect(events[0]!.spec).toEqual(served.spec);
    // Reading does not write: the next write stores the decoded form, with a new generation
    // only if the spec the client sends differs from what it was served.
    const rv = served.metadata.resourceVersion;
    const same = await patch("organizations", "old", { metadata: { labels: { a: "b" } } });
    expect(same.metadata.generation).toBe(4);
    expect(same.metadata.resourceVersion).not.toBe(rv);
  });

  it("answers 422 Invalid with a Status naming every field error, and stores nothing", async () => {
    const status = await failure(
      member("Zed", {
        role: "boss",
        email: "not an email",
        organization: "Acme!",
        github: "-x",
        expiresAt: "2026-03-01 00:00:00",
      }),
    );
    expect(status).toMatchObject({ code: 422, reason: "Invalid" });
    expect(status.details).toMatchObject({ name: "Zed", kind: "Member" });
    expect(status.message).toMatch(/^Member\.roster\.workjet\.io "Zed" is invalid: \[/);
    expect(status.message).toContain(
      'spec.role: Unsupported value: "boss": supported values: "owner", "admin", "member"',
    );
    expect(status.message).toContain(
      'spec.email: Invalid value: "not an email": spec.email in body must be of type email: "not an email"',
    );
    expect(status.message).toContain(
      `spec.organization: Invalid value: "Acme!": spec.organization in body should match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'`,
    );
    expect(status.message).toContain("spec.expiresAt in body must be of type date-time");
    expect(status.details!.causes!.map((c) => `${c.field}:${c.reason}`).sort()).toEqual([
      "metadata.name:FieldValueInvalid",
      "spec.email:FieldValueInvalid",
      "spec.expiresAt:FieldValueInvalid",
      "spec.github:FieldValueInvalid",
      "spec.organization:FieldValueInvalid",
      "spec.role:FieldValueNotSupported",
    ]);
    expect(server.list("members")).toEqual([]);

    const typed = await failure(
      create("organizations", {
        kind: "Organization",
        metadata: { name: "acme" },
        spec: {
          allowExternal: "yes",
          domains: ["acme.com", "acme.com"],
          safety: { maxRemovals: -1 },
          displayName: "x".repeat(201),
        },
      }),
    );
    expect(typed.message).toContain(
      'spec.allowExternal: Invalid value: "string": spec.allowExternal in body must be of type boolean: "string"',
    );
    expect(typed.message).toContain('spec.domains[1]: Duplicate value: "acme.com"');
    expect(typed.message).toContain(
      "spec.safety.maxRemovals: Invalid value: -1: spec.safety.maxRemovals in body should be greater than or equal to 0",
    );
    expect(typed.message).toContain("spec.displayName: Too long: may not be longer than 200");
    const required = await failure(create("members", { kind: "Member", metadata: { name: "x" } }));
    expect(required.message).toBe('Member.roster.workjet.io "x" is invalid: spec: Required value');
    const accepted = await create("organizations", {
      kind: "Organization",
      metadata: { name: "pct" },
      spec: { safety: { maxRemovals: "10%" } },
    });
    expect(accepted.spec!.safety).toEqual({ maxRemovals: "10%" });
  });

  it("keeps status and spec apart: each endpoint ignores the other, and status is validated too", async () => {
    await member("bob");
    const viaMain = await patch("members", "bob", {
      spec: { role: "admin" },
      status: { phase: "Active" },
    });
    expect(viaMain.status).toBeUndefined();
    expect(viaMain.metadata.generation).toBe(2);
    const viaStatus = await patchStatus("members", "bob", {
      metadata: { labels: { sneaky: "yes" } },
      spec: { role: "owner" },
      status: { phase: "Invited", invitedAt: "2026-01-02T03:04:05.123Z", secret: "x" },
    });
    expect(viaStatus.spec!.role).toBe("admin");
    expect(viaStatus.metadata.labels).toBeUndefined();
    expect(viaStatus.metadata.generation).toBe(2);
    expect(viaStatus.status).toEqual({ phase: "Invited", invitedAt: "2026-01-02T03:04:05.123Z" });
    expect(server.requests.at(-1)!.warnings).toEqual(['unknown field "status.secret"']);
    const bad = await failure(
      patchStatus("members", "bob", {
        status: {
          phase: "Sleeping",
          joinedAt: "yesterday",
          conditions: [{ type: "Ready", status: "True" }, { type: "Ready", status: "False" }, {}],
        },
      }),
    );
    expect(bad.details!.causes!.map((c) => c.field).sort()).toEqual([
      "status.conditions[1]",
      "status.conditions[2].status",
      "status.conditions[2].type",
      "status.joinedAt",
      "status.phase",
    ]);
    expect(server.get("members", ns, "bob")!.status).toEqual(viaStatus.status);
  });

  it("bumps generation for spec changes and the deletion mark only; DELETE answers the object", async () => {
    const created = await member("carol", {}, { finalizers: ["roster.workjet.io/revoke-access"] });
    expect(created.metadata.generation).toBe(1);
    const labelled = await patch("members", "carol", { metadata: { labels: { team: "a" } } });
    expect(labelled.metadata.generation).toBe(1);
    await patchStatus("members", "carol", { status: { phase: "Invited" } });
    // A PUT of what was served, keys in another order, is a no-op: no new resourceVersion.
    const served = server.get("members", ns, "carol")!;
    const reordered = {
      status: served.status,
      spec: Object.fromEntries(Object.entries(served.spec as object).reverse()),
      metadata: served.metadata,
      kind: served.kind,
      apiVersion: served.apiVersion,
    };
    const replaced = (await kube.custom.replaceNamespacedCustomObject({
      ...at("members", "carol"),
      body: reordered,
    })) as Obj;
    expect(replaced.metadata.resourceVersion).toBe(served.metadata.resourceVersion);
    const unconditional = await failure(
      kube.custom.replaceNamespacedCustomObject({
        ...at("members", "carol"),
        body: { ...served, metadata: { ...served.metadata, resourceVersion: undefined } },
      }),
    );
    expect(unconditional.message).toContain(
      'metadata.resourceVersion: Invalid value: "": must be specified for an update',
    );
    const stale = await failure(
      patch("members", "carol", { metadata: { resourceVersion: "1" }, spec: { role: "admin" } }),
    );
    expect(stale).toMatchObject({ code: 409, reason: "Conflict" });
    expect(stale.message).toContain(
      'Operation cannot be fulfilled on members.roster.workjet.io "carol"',
    );
    expect(stale.details).toMatchObject({ name: "carol", kind: "members" });

    const deleting = (await kube.custom.deleteNamespacedCustomObject(
      at("members", "carol"),
    )) as Obj;
    expect(deleting.metadata.deletionTimestamp).toMatch(/Z$/);
    expect(deleting.metadata.generation).toBe(2);
    const again = (await kube.custom.deleteNamespacedCustomObject(at("members", "carol"))) as Obj;
    expect(again.metadata.generation).toBe(2);
    const added = await failure(
      patch("members", "carol", {
        metadata: { finalizers: ["roster.workjet.io/revoke-access", "other/hold"] },
      }),
    );
    expect(added.message).toContain(
      'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"other/hold"}',
    );
    const erin = await member("erin");
    const removed: unknown = await kube.custom.deleteNamespacedCustomObject(at("members", "erin"));
    expect(removed).toMatchObject({
      kind: "Status",
      status: "Success",
      details: { name: "erin", group, kind: "members", uid: erin.metadata.uid },
    });
    const missing = await failure(kube.custom.getNamespacedCustomObject(at("members", "nobody")));
    expect(missing.message).toBe('members.roster.workjet.io "nobody" not found');
  });

  it("lets an update keep a value stored before the schema refused it, but not set a new one", async () => {
    server.putStored("members", {
      apiVersion: `${group}/${version}`,
      kind: "Member",
      metadata: { name: "zed", namespace: ns, generation: 1 },
      spec: { organization: "acme", email: "zed@acme.com", role: "superuser" },
    });
    const written = await patchStatus("members", "zed", { status: { phase: "Blocked" } });
    expect(written.status).toEqual({ phase: "Blocked" });
    const labelled = await patch("members", "zed", { metadata: { labels: { a: "b" } } });
    expect(labelled.spec!.role).toBe("superuser");
    const worse = await failure(patch("members", "zed", { spec: { role: "root" } }));
    expect(worse.details!.causes!.map((c) => c.field)).toEqual(["spec.role"]);
  });

  it("answers 410 Gone to a list at an exact resourceVersion compacted away, and an ERROR event to a watch", async () => {
    const first = await member("dan");
    server.compact();
    const gone = await failure(
      kube.custom.listNamespacedCustomObject({
        group,
        version,
        namespace: ns,
        plural: "members",
        resourceVersion: first.metadata.resourceVersion,
        resourceVersionMatch: "Exact",
      }),
    );
    expect(gone).toMatchObject({ code: 410, reason: "Expired" });
    const events: { type: string; code?: number; reason?: string }[] = [];
    let ended = false;
    await new Watch(kube.config).watch(
      `/apis/${group}/${version}/namespaces/${ns}/members`,
      { resourceVersion: first.metadata.resourceVersion },
      (type: string, o: { code?: number; reason?: string }) =>
        events.push({ type, code: o.code, reason: o.reason }),
      () => {
        ended = true;
      },
    );
    await waitFor(() => ended, 5000, "the server to end the watch");
    expect(events).toEqual([{ type: "ERROR", code: 410, reason: "Expired" }]);
  });

  it("serves every Organization spec decoded once and for all: a PUT of what it served changes nothing", async () => {
    const unknownKey = fc.constantFrom("color", "owner", "x-extra", "Domains");
    const spec = fc.record(
      {
        displayName: fc.string({ minLength: 1, maxLength: 20 }),
        domains: fc.uniqueArray(fc.constantFrom("acme.com", "b.io", "c.example.org"), {
          maxLength: 3,
        }),
        allowExternal: fc.option(fc.boolean()),
        autoProvisioning: fc.record(
          { enabled: fc.boolean(), role: fc.constantFrom("admin", "member") },
          { requiredKeys: [] },
        ),
        unmanaged: fc.constantFrom("remove", "report"),
        safety: fc.record(
          { maxRemovals: fc.oneof(fc.nat(50), fc.constantFrom("5%", "100%")) },
          { requiredKeys: [] },
        ),
        deletionPolicy: fc.constantFrom("Orphan", "Delete"),
      },
      { requiredKeys: [] },
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        spec,
        fc.dictionary(unknownKey, fc.jsonValue(), { maxKeys: 2 }),
        async (s, extra) => {
          const name = `org-${n++}`;
          const created = await create("organizations", {
            kind: "Organization",
            metadata: { name },
            spec: { ...s, ...extra },
          });
          for (const key of Object.keys(created.spec!))
            expect(Object.keys(ORG_DEFAULTS).concat("displayName")).toContain(key);
          for (const key of Object.keys(ORG_DEFAULTS)) expect(created.spec).toHaveProperty(key);
          const again = (await kube.custom.replaceNamespacedCustomObject({
            ...at("organizations", name),
            body: created,
          })) as Obj;
          expect(again.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
          expect(again.metadata.generation).toBe(1);
        },
      ),
      { numRuns: 40 },
    );
  });
});
