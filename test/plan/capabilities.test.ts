import { describe } from "vitest";
import { it } from "vitest";
import type { Row } from "./table.js";
import { checkRow } from "./table.js";

const owner = { alice: "owner" } as const;
const memberKey = { actorRole: "member", identity: "mia@acme.com" } as const;
const adminKey = { actorRole: "admin", identity: "ada@acme.com" } as const;
const otherOrgKey = { actorRole: "none", identity: "zoe@globex.com" } as const;

const rows: Row[] = [
  {
    name: "a member's key may not invite (R3)",
    org: { declared: { ...owner, bob: "member" }, actual: owner, caps: memberKey },
    blocked: ["invite bob member"],
    blockedBy: [
      /^may not invite users as member: R3: only an admin or the owner may invite or remove users; this credential acts as member$/,
    ],
  },
  {
    name: "a member's key may not resend or cancel invitations (R3)",
    org: {
      declared: { ...owner, bob: "member" },
      actual: owner,
      expired: { bob: "member" },
      pending: { carol: "admin" },
      caps: memberKey,
    },
    blocked: ["resendInvite bob member", "cancelInvite carol admin"],
  },
  {
    name: "a member's key may not remove (R3)",
    org: { declared: owner, actual: { ...owner, eve: "member" }, caps: memberKey },
    blocked: ["remove eve member"],
    blockedBy: [/: R3: /],
  },
  {
    name: "an admin's key may not promote to admin (R4) but may demote and invite",
    org: {
      declared: { ...owner, bob: "admin", carol: "member", dan: "member" },
      actual: { ...owner, bob: "member", carol: "admin" },
      caps: adminKey,
    },
    steps: ["invite dan member", "changeRole carol admin→member"],
    blocked: ["changeRole bob member→admin"],
    blockedBy: [
      /^may not change a role from member to admin: R4: only the owner may promote a member to admin; .*this credential acts as admin$/,
    ],
  },
  {
    name: "an admin's key may not repair owners (R5)",
    org: {
      declared: { ...owner, carol: "admin" },
      actual: { ...owner, carol: "owner" },
      caps: adminKey,
    },
    blocked: ["changeRole carol owner→admin"],
    blockedBy: [/: R5: /],
  },
  {
    name: "an admin's key may not make the declared owner owner in an ownerless backend (R5)",
    org: { declared: { ...owner }, actual: { alice: "admin" }, caps: adminKey },
    blocked: ["changeRole alice admin→owner"],
  },
  {
    name: "an admin's key may not invite as admin (R4): an invitation as admin grants admin",
    org: { declared: { ...owner, bob: "admin", dan: "member" }, actual: owner, caps: adminKey },
    steps: ["invite dan member"],
    blocked: ["invite bob admin"],
    blockedBy: [/^may not invite users as admin: R4: /],
  },
  {
    name: "an admin's key may not turn on auto-provisioning as admin, nor add domains",
    org: {
      declared: owner,
      actual: owner,
      settings: { autoProvisioning: { enabled: true, role: "admin" } },
      actualSettings: {},
      caps: adminKey,
    },
    blocked: ["updateOrganization autoProvisioning"],
    blockedBy: [/^may not auto-provision users as admin: R4: /],
  },
  {
    name: "an admin's key may change the display name and auto-provision members",
    org: {
      declared: owner,
      actual: owner,
      settings: { displayName: "A", autoProvisioning: { enabled: true, role: "member" } },
      actualSettings: {},
      caps: adminKey,
    },
    steps: ["updateOrganization displayName,autoProvisioning"],
  },
  {
    name: "an admin's key may not change domains (owner-settings)",
    org: {
      declared: owner,
      actual: owner,
      settings: { domains: ["acme.com", "gmail.com"] },
      actualSettings: {},
      caps: adminKey,
    },
    blocked: ["updateOrganization domains"],
    blockedBy: [/^may not change domains: owner-settings: /],
  },
  {
    name: "a key of another organization may do nothing here",
    org: {
      declared: { ...owner, bob: "member" },
      actual: { ...owner, eve: "member" },
      caps: otherOrgKey,
    },
    blocked: ["invite bob member", "remove eve member"],
    blockedBy: [/: membership: /, /: membership: /],
  },
];

describe("plan: capabilities of the credential", () => it.each(rows)("$name", checkRow));
