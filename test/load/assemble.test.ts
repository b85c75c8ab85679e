import { describe, expect, it } from "vitest";
import type { ParsedResource } from "../../controller/load/index.js";
import {
  assembleDesiredState,
  loadDesiredState,
  parseResourceObject,
  validateSnapshot,
} from "../../controller/load/index.js";
import { memberDoc, orgDoc, snapshot } from "./fixtures.js";

const orgRes = (name: string, spec: Record<string, unknown> = {}): ParsedResource => ({
  kind: "Organization",
  name,
  file: `team/Organization/${name}`,
  line: 1,
  col: 1,
  spec,
});
const memberRes = (
  name: string,
  email: string,
  role: string,
  organization = "acme",
): ParsedResource => ({
  kind: "Member",
  name,
  file: `team/Member/${name}`,
  line: 1,
  col: 1,
  spec: { organization, email, role },
});

describe("the desired state", () => {
  it("builds settings and policy from the spec, with the defaults filled in", () => {
    const result = loadDesiredState(
      snapshot({
        "org.yaml": orgDoc(
          "acme",
          '  displayName: Acme Inc.\n  domains: [Acme.com, acme.io]\n  invitations: {expireAfter: 36h}\n  safety: {maxRemovals: "15%"}\n  unmanaged: report\n',
        ),
        "m.yaml": memberDoc("alice", "alice@acme.com", "owner"),
      }),
    );
    expect(result.issues).toEqual([]);
    const [org] = result.state!.organizations;
    expect(org!.settings).toEqual({
      displayName: "Acme Inc.",
      domains: ["acme.com", "acme.io"],
      autoProvisioning: { enabled: false, role: "member" },
      inviteExpirySeconds: 36 * 3600,
    });
    expect(org!.policy).toEqual({
      allowExternal: true,
      unmanaged: "report",
      maxRemovals: { kind: "percent", value: 15 },
      deletionPolicy: "Orphan",
    });
    expect(org!.source).toEqual({ file: "org.yaml", line: 1, col: 1 });
    expect(result.state!.revision).toBe("sha256:test");
  });

  it("normalises emails, sorts organizations by name and members by email", () => {
    const result = loadDesiredState(
      snapshot({
        "orgs.yaml": `${orgDoc("zeta", "  domains: [zeta.io]\n")}---\n${orgDoc("acme")}`,
        "m.yaml": [
          memberDoc("zed", "Zed@Zeta.io", "owner", "zeta"),
          memberDoc("carol", "carol@acme.com", "member"),
          memberDoc("alice", " ALICE@acme.com", "owner"),
          memberDoc("bob", "bob@acme.com", "admin"),
        ].join("---\n"),
      }),
    );
    expect(result.issues).toEqual([]);
    expect(result.counts).toEqual({ organizations: 2, members: 4 });
    const orgs = result.state!.organizations;
    expect(orgs.map((o) => o.name)).toEqual(["acme", "zeta"]);
    expect(orgs[0]!.settings.displayName).toBe("acme");
    expect(orgs[0]!.members.map((m) => [m.email, m.role, m.source?.line])).toEqual([
      ["alice@acme.com", "owner", 19],
      ["bob@acme.com", "admin", 28],
      ["carol@acme.com", "member", 10],
    ]);
    expect(orgs[1]!.members.map((m) => m.email)).toEqual(["zed@zeta.io"]);
  });

  it("lets one person belong to several organizations", () => {
    const result = assembleDesiredState(
      [
        orgRes("acme"),
        orgRes("globex"),
        memberRes("a1", "ann@acme.com", "owner"),
        memberRes("a2", "ann@acme.com", "owner", "globex"),
      ],
      "42",
    );
    expect(result.issues).toEqual([]);
    expect(result.state!.organizations.map((o) => o.members.length)).toEqual([1, 1]);
  });
});

describe("assembleDesiredState: resources from Kubernetes objects, no file text", () => {
  it("points issues at the object reference", () => {
    const result = assembleDesiredState(
      [
        orgRes("acme"),
        memberRes("alice", "alice@acme.com", "owner"),
        memberRes("bob", "ALICE@acme.com", "admin"),
      ],
      "1234",
    );
    expect(result.state).toBeUndefined();
    expect(result.issues).toEqual([
      expect.objectContaining({
        file: "team/Member/bob",
        line: 1,
        col: 1,
        rule: "duplicate-member",
        message: expect.stringContaining('Member "alice" at team/Member/alice:1:1'),
      }),
    ]);
  });

  it("works without the schema's defaults having been applied", () => {
    const result = assembleDesiredState(
      [
        orgRes("acme", { domains: ["acme.com"], safety: { maxRemovals: 3 } }),
        memberRes("alice", "alice@acme.com", "owner"),
      ],
      "7",
    );
    expect(result.issues).toEqual([]);
    expect(result.state!.organizations[0]!.policy.maxRemovals).toEqual({ kind: "count", value: 3 });
    expect(result.state!.organizations[0]!.settings.inviteExpirySeconds).toBe(7 * 86400);
  });

  it("refuses an empty list of resources", () => {
    const result = assembleDesiredState([], "9", "kubernetes");
    expect(result.state).toBeUndefined();
    expect(result.issues).toEqual([
      expect.objectContaining({ file: "kubernetes", rule: "empty-source" }),
    ]);
  });

  it("reports R2 and unknown organizations at the resources", () => {
    const result = assembleDesiredState(
      [
        orgRes("acme"),
        memberRes("bob", "bob@acme.com", "admin"),
        memberRes("x", "x@initech.com", "owner", "initech"),
      ],
      "9",
    );
    expect(result.issues.map((i) => `${i.file}:${i.rule}`).sort()).toEqual([
      "team/Member/x:unknown-organization",
      "team/Organization/acme:R2-no-owner",
    ]);
  });
});

describe("parseResourceObject: Kubernetes objects", () => {
  it("reads only apiVersion, kind, metadata.name and spec, with defaults", () => {
    const object = {
      apiVersion: "roster.workjet.io/v1alpha1",
      kind: "Organization",
      metadata: { name: "acme", namespace: "team", uid: "u-1", resourceVersion: "12" },
      spec: { domains: ["acme.com"] },
      status: { ready: true },
    };
    const { resource, issues } = parseResourceObject(object, "team/Organization/acme");
    expect(issues).toEqual([]);
    expect(resource).toMatchObject({
      kind: "Organization",
      name: "acme",
      file: "team/Organization/acme",
      line: 1,
      col: 1,
    });
    expect(resource!.spec).toMatchObject({ domains: ["acme.com"], unmanaged: "remove" });
    expect(object.spec).toEqual({ domains: ["acme.com"] });
  });

  it("names the field in issues anchored at the object", () => {
    const { resource, issues } = parseResourceObject(
      {
        apiVersion: "roster.workjet.io/v1alpha1",
        kind: "Member",
        metadata: { name: "bob" },
        spec: { organization: "acme", email: "bob@acme.com", role: "boss" },
      },
      "team/Member/bob",
    );
    expect(resource).toBeUndefined();
    expect(issues).toEqual([
      expect.objectContaining({
        file: "team/Member/bob",
        line: 1,
        col: 1,
        rule: "unknown-role",
        message: 'spec.role: unknown role "boss"',
      }),
    ]);
  });
});

describe("validateSnapshot", () => {
  it("reports exactly what loadDesiredState reports, without building the state", () => {
    const trees = [
      { "org.yaml": orgDoc("acme"), "m.yaml": memberDoc("alice", "alice@acme.com", "owner") },
      {
        "org.yaml": orgDoc("acme"),
        "m.yaml": `${memberDoc("alice", "alice@acme.com", "owner")}---\n${memberDoc("bob", "bob@gmail.com", "owner")}`,
      },
    ];
    for (const files of trees) {
      const loaded = loadDesiredState(snapshot(files));
      const checked = validateSnapshot(snapshot(files));
      expect(checked).toEqual({ issues: loaded.issues, counts: loaded.counts });
    }
  });
});
