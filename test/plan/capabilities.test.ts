import { describe } from "vitest";
import { it } from "vitest";
import type { Row } from "./table.js";
import { checkRow } from "./table.js";

const owner = { alice: "owner" } as const;
const memberKey = {
  actorRole: "member",
  invite: false,
  remove: false,
  promoteToAdmin: false,
  changeRole: false,
  transferOwnership: false,
} as const;
const adminKey = { actorRole: "admin", promoteToAdmin: false, transferOwnership: false } as const;

const rows: Row[] = [
  {
    name: "a member's key may not invite (R3)",
    org: { declared: { ...owner, bob: "member" }, actual: owner, caps: memberKey },
    blocked: ["invite bob member"],
    blockedBy: [
      /^R3: only an admin or the owner may invite or remove users; this credential acts as member$/,
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
    blockedBy: [/^R3:/],
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
      /^R4: only the owner may promote a member to admin; this credential acts as admin$/,
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
    blockedBy: [/^R5:/],
  },
  {
    name: "an admin's key may not make the declared owner owner in an ownerless backend (R5)",
    org: { declared: { ...owner }, actual: { alice: "admin" }, caps: adminKey },
    blocked: ["changeRole alice admin→owner"],
  },
  {
    name: "a key that may not demote: the demotion is blocked, the removal goes on",
    org: {
      declared: { ...owner, bob: "member" },
      actual: { ...owner, bob: "admin", eve: "member" },
      caps: { changeRole: false },
    },
    steps: ["remove eve member"],
    blocked: ["changeRole bob admin→member"],
  },
];

describe("plan: capabilities of the credential", () => it.each(rows)("$name", checkRow));
