import { describe, expect, it } from "vitest";
import { changedSettings } from "../../controller/model/index.js";
import { desiredOrg, planFor, summary } from "./fixtures.js";
import type { Row } from "./table.js";
import { checkRow } from "./table.js";

const owner = { alice: "owner" } as const;

describe("plan: an organization the backend does not have", () => {
  it("creates it with the declared owner and settings, then invites everyone else", () => {
    const org = { declared: { ...owner, bob: "admin", carol: "member" }, actual: null } as const;
    const p = planFor(org);
    expect(summary(p).steps).toEqual([
      "createOrganization alice owner",
      "invite bob admin",
      "invite carol member",
    ]);
    expect(p.steps[0]?.settings).toEqual(desiredOrg(org).settings);
    expect(p.steps[0]?.reason).toBe(
      "organization acme does not exist in the backend; created with alice@acme.com as owner",
    );
    expect(p.steps[1]?.reason).toMatch(/the organization is new/);
    expect(p.safety).toMatchObject({ safe: true, removals: [{ org: "acme", count: 0 }] });
  });

  it("when the credential may not create it, the invitations wait too", () => {
    const p = planFor({
      declared: { ...owner, bob: "member" },
      actual: null,
      caps: { actorRole: "none", identity: "ada@globex.com" },
    });
    expect(summary(p)).toEqual({
      steps: [],
      blocked: ["createOrganization alice owner", "invite bob member"],
      warnings: [],
    });
    expect(p.blocked[0]?.blockedBy).toMatch(
      /^may not create an organization owned by alice@acme.com: org-create: .*; this credential acts as none$/,
    );
    expect(p.blocked[1]?.blockedBy).toBe("waiting for organization acme to be created");
  });
});

const settingsRows: Row[] = [
  { name: "same settings: nothing", org: { declared: owner, actual: owner } },
  {
    name: "display name differs",
    org: {
      declared: owner,
      actual: owner,
      settings: { displayName: "Acme Inc." },
      actualSettings: {},
    },
    steps: ["updateOrganization displayName"],
  },
  {
    name: "domains compare as case-insensitive sets",
    org: {
      declared: owner,
      actual: owner,
      settings: { domains: ["acme.com", "acme.io"] },
      actualSettings: { domains: ["ACME.io", "acme.com"] },
    },
  },
  {
    name: "domains differ",
    org: {
      declared: owner,
      actual: owner,
      settings: { domains: ["acme.com", "acme.io"] },
      actualSettings: {},
    },
    steps: ["updateOrganization domains"],
    reasons: [/^settings of acme differ: domains$/],
  },
  {
    name: "auto-provisioning switched on",
    org: {
      declared: owner,
      actual: owner,
      settings: { autoProvisioning: { enabled: true, role: "member" } },
      actualSettings: {},
    },
    steps: ["updateOrganization autoProvisioning"],
  },
  {
    name: "invitation expiry differs",
    org: {
      declared: owner,
      actual: owner,
      settings: { inviteExpirySeconds: 86400 },
      actualSettings: {},
    },
    steps: ["updateOrganization inviteExpirySeconds"],
  },
  {
    name: "the update comes first, before member steps",
    org: {
      declared: { ...owner, bob: "member" },
      actual: owner,
      settings: { displayName: "A" },
      actualSettings: {},
    },
    steps: ["updateOrganization displayName", "invite bob member"],
  },
  {
    name: "a credential that may not change settings: blocked",
    org: {
      declared: owner,
      actual: owner,
      settings: { displayName: "A" },
      actualSettings: {},
      caps: { actorRole: "member", identity: "mia@acme.com" },
    },
    blocked: ["updateOrganization displayName"],
    blockedBy: [/^may not change displayName: admin-settings: /],
  },
];

describe("plan: organization settings", () => {
  it.each(settingsRows)("$name", checkRow);

  it("names every changed field in a fixed order, with the desired settings in the step", () => {
    const base = desiredOrg({ declared: owner }).settings;
    expect(
      changedSettings(
        {
          displayName: "X",
          domains: ["x.com"],
          autoProvisioning: { enabled: false, role: "admin" },
          inviteExpirySeconds: 60,
        },
        base,
      ),
    ).toEqual(["displayName", "domains", "autoProvisioning", "inviteExpirySeconds"]);
    const p = planFor({
      declared: owner,
      actual: owner,
      settings: { displayName: "X" },
      actualSettings: {},
    });
    expect(p.steps[0]).toMatchObject({
      action: "updateOrganization",
      org: "acme",
      changed: ["displayName"],
      settings: { displayName: "X", domains: ["acme.com"] },
    });
  });
});
