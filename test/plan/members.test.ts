import { describe, it } from "vitest";
import type { Row } from "./table.js";
import { checkRow } from "./table.js";

const owner = { alice: "owner" } as const;

const declaredRows: Row[] = [
  {
    name: "in sync: nothing to do",
    org: { declared: { ...owner, bob: "member" }, actual: { ...owner, bob: "member" } },
  },
  {
    name: "declared, absent → invite with the declared role",
    org: { declared: { ...owner, bob: "member", carol: "admin" }, actual: owner },
    steps: ["invite bob member", "invite carol admin"],
    reasons: [/^declared as member in acme; not a member, not invited$/, /declared as admin/],
  },
  {
    name: "pending invite with the same role counts as done",
    org: { declared: { ...owner, bob: "admin" }, actual: owner, pending: { bob: "admin" } },
  },
  {
    name: "pending invite with another role → re-invite with the new role",
    org: { declared: { ...owner, bob: "admin" }, actual: owner, pending: { bob: "member" } },
    steps: ["invite bob admin"],
    reasons: [/pending invitation is for member: re-invited as admin/],
  },
  {
    name: "expired invite, same role → resendInvite",
    org: { declared: { ...owner, bob: "member" }, actual: owner, expired: { bob: "member" } },
    steps: ["resendInvite bob member"],
    reasons: [/invitation expired on 2026-02-08$/],
  },
  {
    name: "expired invite, another role → invite with the new role (not a resend)",
    org: { declared: { ...owner, bob: "admin" }, actual: owner, expired: { bob: "member" } },
    steps: ["invite bob admin"],
    reasons: [/the member invitation expired on 2026-02-08: invited again as admin/],
  },
  {
    name: "member → admin is ONE changeRole (a promotion)",
    org: { declared: { ...owner, bob: "admin" }, actual: { ...owner, bob: "member" } },
    steps: ["changeRole bob member→admin"],
    reasons: [/^declared as admin in acme, is member$/],
  },
  {
    name: "admin → member is ONE changeRole (a demotion)",
    org: { declared: { ...owner, bob: "member" }, actual: { ...owner, bob: "admin" } },
    steps: ["changeRole bob admin→member"],
  },
  {
    name: "mixed-case emails in the backend match the declared ones",
    org: { declared: { ...owner, bob: "member" }, actual: { ...owner, "Bob@ACME.com": "member" } },
  },
];

const invitationRows: Row[] = [
  {
    name: "pending invite not declared → cancelInvite",
    org: { declared: owner, actual: owner, pending: { carol: "member" } },
    steps: ["cancelInvite carol member"],
    reasons: [/invited to acme as member but not declared/],
  },
  {
    name: "expired invite not declared → cancelInvite",
    org: { declared: owner, actual: owner, expired: { carol: "admin" } },
    steps: ["cancelInvite carol admin"],
  },
  {
    name: "an invitation Roster never managed (sent in the Portal), unmanaged: report → a warning, no step",
    org: {
      declared: owner,
      actual: owner,
      pending: { carol: "member" },
      expired: { dan: "admin" },
      policy: { unmanaged: "report" },
    },
    warnings: ["unmanaged-invitation carol", "unmanaged-invitation dan"],
  },
  {
    name: "an invitation Roster managed, now undeclared → cancelInvite, even with unmanaged: report",
    org: {
      declared: owner,
      actual: owner,
      pending: { carol: "member", dan: "member" },
      managed: ["carol"],
      policy: { unmanaged: "report" },
    },
    steps: ["cancelInvite carol member"],
    warnings: ["unmanaged-invitation dan"],
    reasons: [
      /^invited to acme as member but not declared; managed by Roster since an earlier apply$/,
    ],
  },
  {
    name: "an invitation Roster never managed, unmanaged: remove → cancelInvite",
    org: {
      declared: owner,
      actual: owner,
      pending: { carol: "member" },
      policy: { unmanaged: "remove" },
    },
    steps: ["cancelInvite carol member"],
    reasons: [/never managed by Roster; unmanaged: remove$/],
  },
  {
    name: "a leftover invitation of an active member is withdrawn",
    org: {
      declared: { ...owner, bob: "member" },
      actual: { ...owner, bob: "member" },
      pending: { bob: "admin" },
    },
    steps: ["cancelInvite bob admin"],
    reasons: [/already an active member/],
  },
];

const undeclaredRows: Row[] = [
  {
    name: "managed before, now undeclared → remove",
    org: {
      declared: owner,
      actual: { ...owner, eve: "admin" },
      managed: ["alice", "eve"],
      policy: { unmanaged: "report" },
    },
    steps: ["remove eve admin"],
    reasons: [/^not declared in acme; managed by Roster since an earlier apply$/],
  },
  {
    name: "never managed, unmanaged: remove → remove",
    org: { declared: owner, actual: { ...owner, eve: "member" }, policy: { unmanaged: "remove" } },
    steps: ["remove eve member"],
    reasons: [/never managed by Roster; unmanaged: remove/],
  },
  {
    name: "never managed, unmanaged: report → a warning, no step",
    org: { declared: owner, actual: { ...owner, eve: "member" }, policy: { unmanaged: "report" } },
    warnings: ["unmanaged-member eve"],
  },
  {
    name: "R8: domain auto-provisioned and never managed → kept with a warning, even with unmanaged: remove",
    org: {
      declared: owner,
      actual: { ...owner, eve: "member" },
      settings: { autoProvisioning: { enabled: true, role: "member" } },
    },
    warnings: ["auto-provisioned-member eve"],
  },
  {
    name: "R8 does not shield a member Roster managed before",
    org: {
      declared: owner,
      actual: { ...owner, eve: "member" },
      managed: ["eve"],
      settings: { autoProvisioning: { enabled: true, role: "member" } },
    },
    steps: ["remove eve member"],
  },
  {
    name: "R8 covers only the org's domains",
    org: {
      declared: owner,
      actual: { ...owner, "eve@other.org": "member" },
      settings: { autoProvisioning: { enabled: true, role: "member" } },
    },
    steps: ["remove eve@other.org member"],
  },
  {
    name: "R8 needs auto-provisioning enabled",
    org: { declared: owner, actual: { ...owner, eve: "member" } },
    steps: ["remove eve member"],
  },
];

const ap = { autoProvisioning: { enabled: true, role: "member" as const } };
const directoryRows: Row[] = [
  {
    name: "directory user not declared, not a member → invite with the auto-provisioning role",
    org: { declared: owner, actual: owner, settings: ap, domainUsers: ["alice", "dan"] },
    steps: ["invite dan member (ap)"],
    reasons: [/active directory user and acme auto-provisions \(R8\) as member/],
  },
  {
    name: "an unsorted, mixed-case directory list is normalised first",
    org: {
      declared: owner,
      actual: owner,
      settings: ap,
      domainUsers: ["zoe", "Dan@ACME.com", "alice"],
    },
    steps: ["invite dan member (ap)", "invite zoe member (ap)"],
  },
  {
    name: "directory invites use the configured role",
    org: {
      declared: owner,
      actual: owner,
      settings: { autoProvisioning: { enabled: true, role: "admin" } },
      domainUsers: ["dan"],
    },
    steps: ["invite dan admin (ap)"],
  },
  {
    name: "directory user with a pending invite of that role: nothing",
    org: {
      declared: owner,
      actual: owner,
      settings: ap,
      domainUsers: ["dan"],
      pending: { dan: "member" },
    },
  },
  {
    name: "directory user with an expired invite → resend",
    org: {
      declared: owner,
      actual: owner,
      settings: ap,
      domainUsers: ["dan"],
      expired: { dan: "member" },
    },
    steps: ["resendInvite dan member (ap)"],
  },
  {
    name: "directory user invited with another role → re-invite",
    org: {
      declared: owner,
      actual: owner,
      settings: ap,
      domainUsers: ["dan"],
      pending: { dan: "admin" },
    },
    steps: ["invite dan member (ap)"],
  },
  {
    name: "a declared directory user follows the declaration, not auto-provisioning",
    org: {
      declared: { ...owner, dan: "admin" },
      actual: owner,
      settings: ap,
      domainUsers: ["dan"],
    },
    steps: ["invite dan admin"],
  },
  {
    name: "auto-provisioned member gone from the directory → remove, even with unmanaged: report",
    org: {
      declared: owner,
      actual: { ...owner, dan: "member+ap" },
      settings: ap,
      domainUsers: ["alice"],
      policy: { unmanaged: "report" },
    },
    steps: ["remove dan member"],
    reasons: [/no longer an active directory user \(suspended or deleted\)/],
  },
  {
    name: "active directory member stays, even when Roster managed them before",
    org: {
      declared: owner,
      actual: { ...owner, dan: "member+ap" },
      managed: ["dan"],
      settings: ap,
      domainUsers: ["dan"],
    },
    warnings: ["auto-provisioned-member dan"],
  },
  {
    name: "a member added by hand and missing from the directory follows the usual rules",
    org: {
      declared: owner,
      actual: { ...owner, "dan@other.org": "member" },
      settings: ap,
      domainUsers: [],
      policy: { unmanaged: "report" },
    },
    warnings: ["unmanaged-member dan@other.org"],
  },
  {
    name: "auto-provisioning disabled: the directory is ignored",
    org: {
      declared: owner,
      actual: { ...owner, dan: "member+ap" },
      domainUsers: ["erin"],
      policy: { unmanaged: "report" },
    },
    warnings: ["unmanaged-member dan"],
  },
];

describe("plan: declared members", () => it.each(declaredRows)("$name", checkRow));
describe("plan: invitations", () => it.each(invitationRows)("$name", checkRow));
describe("plan: undeclared members", () => it.each(undeclaredRows)("$name", checkRow));
describe("plan: directory auto-provisioning (R8)", () => it.each(directoryRows)("$name", checkRow));
