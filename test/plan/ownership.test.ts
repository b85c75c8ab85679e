import { describe, expect, it } from "vitest";
import { phaseOf } from "../../controller/plan/index.js";
import { planFor } from "./fixtures.js";
import type { Row } from "./table.js";
import { checkRow } from "./table.js";

const transferRows: Row[] = [
  {
    name: "another owner declared, an active admin → ONE transfer; old owner declared admin stays",
    org: { declared: { alice: "admin", bob: "owner" }, actual: { alice: "owner", bob: "admin" } },
    steps: ["transferOwnership bob alice→bob"],
    reasons: [/^declared owner of acme is bob@acme.com, the current owner is alice@acme.com$/],
  },
  {
    name: "the new owner may be a member today: no separate promotion",
    org: { declared: { alice: "admin", bob: "owner" }, actual: { alice: "owner", bob: "member" } },
    steps: ["transferOwnership bob alice→bob"],
  },
  {
    name: "old owner declared member → transfer, then a demotion admin→member",
    org: { declared: { alice: "member", bob: "owner" }, actual: { alice: "owner", bob: "admin" } },
    steps: ["transferOwnership bob alice→bob", "changeRole alice admin→member"],
    reasons: [/./, /after the ownership transfer to bob@acme.com, alice@acme.com is admin/],
  },
  {
    name: "old owner undeclared and managed → transfer, then removal (as admin)",
    org: {
      declared: { bob: "owner" },
      actual: { alice: "owner", bob: "admin" },
      managed: ["alice", "bob"],
    },
    steps: ["transferOwnership bob alice→bob", "remove alice admin"],
    reasons: [
      /./,
      /^after the ownership transfer to bob@acme.com: not declared in acme; managed by Roster/,
    ],
  },
  {
    name: "old owner undeclared, never managed, unmanaged: remove → removal",
    org: { declared: { bob: "owner" }, actual: { alice: "owner", bob: "admin" } },
    steps: ["transferOwnership bob alice→bob", "remove alice admin"],
  },
  {
    name: "old owner undeclared, unmanaged: report → transfer and a warning",
    org: {
      declared: { bob: "owner" },
      actual: { alice: "owner", bob: "admin" },
      policy: { unmanaged: "report" },
    },
    steps: ["transferOwnership bob alice→bob"],
    warnings: ["unmanaged-member alice"],
  },
];

const waitingRows: Row[] = [
  {
    name: "new owner not a member → invited as admin, transfer blocked until they accept",
    org: { declared: { alice: "admin", bob: "owner" }, actual: { alice: "owner" } },
    steps: ["invite bob admin"],
    blocked: ["transferOwnership bob alice→bob"],
    reasons: [
      /^declared owner of acme, invited as admin until they accept and ownership is transferred; not a member, not invited$/,
    ],
    blockedBy: [/^waiting for bob@acme.com to accept the invitation$/],
  },
  {
    name: "new owner already invited as admin: nothing to send, still blocked",
    org: {
      declared: { alice: "admin", bob: "owner" },
      actual: { alice: "owner" },
      pending: { bob: "admin" },
    },
    blocked: ["transferOwnership bob alice→bob"],
  },
  {
    name: "new owner invited as member → re-invited as admin",
    org: {
      declared: { alice: "admin", bob: "owner" },
      actual: { alice: "owner" },
      pending: { bob: "member" },
    },
    steps: ["invite bob admin"],
    blocked: ["transferOwnership bob alice→bob"],
  },
  {
    name: "new owner's invitation expired → resent",
    org: {
      declared: { alice: "admin", bob: "owner" },
      actual: { alice: "owner" },
      expired: { bob: "admin" },
    },
    steps: ["resendInvite bob admin"],
    blocked: ["transferOwnership bob alice→bob"],
  },
  {
    name: "old owner's demotion waits for the blocked transfer",
    org: { declared: { alice: "member", bob: "owner" }, actual: { alice: "owner" } },
    steps: ["invite bob admin"],
    blocked: ["transferOwnership bob alice→bob", "changeRole alice admin→member"],
    blockedBy: [
      /accept/,
      /^waiting for the ownership transfer to bob@acme.com \(waiting for bob@acme.com to accept/,
    ],
  },
  {
    name: "old owner's removal waits for the blocked transfer",
    org: { declared: { bob: "owner" }, actual: { alice: "owner" }, managed: ["alice"] },
    steps: ["invite bob admin"],
    blocked: ["transferOwnership bob alice→bob", "remove alice admin"],
  },
  {
    name: "an admin's key may not transfer (R5): the transfer and its follow-up are blocked",
    org: {
      declared: { alice: "member", bob: "owner" },
      actual: { alice: "owner", bob: "admin" },
      caps: { actorRole: "admin", identity: "ada@acme.com" },
    },
    blocked: ["transferOwnership bob alice→bob", "changeRole alice admin→member"],
    blockedBy: [
      /^may not transfer ownership: R5: only the current owner may transfer ownership.*acts as admin$/,
      /^waiting for the ownership transfer from alice@acme.com to bob@acme.com$/,
    ],
  },
];

const repairRows: Row[] = [
  {
    name: "no owner in the backend (Google groups) → the declared owner is promoted",
    org: { declared: { alice: "owner", bob: "member" }, actual: { alice: "admin", bob: "member" } },
    steps: ["changeRole alice admin→owner"],
    reasons: [/the backend has no owner \(R2/],
  },
  {
    name: "no owner and the declared owner is not a member → invite, promotion blocked",
    org: { declared: { alice: "owner", bob: "member" }, actual: { bob: "member" } },
    steps: ["invite alice admin"],
    blocked: ["changeRole alice admin→owner"],
    blockedBy: [/^waiting for alice@acme.com to accept the invitation$/],
  },
  {
    name: "two owners, one declared → the other goes to their declared role",
    org: {
      declared: { alice: "owner", carol: "member" },
      actual: { alice: "owner", carol: "owner" },
    },
    steps: ["changeRole carol owner→member"],
    reasons: [/acme has 2 owners and R2 allows one/],
  },
  {
    name: "two owners, the extra one undeclared and managed → demoted to admin, then removed",
    org: {
      declared: { alice: "owner" },
      actual: { alice: "owner", carol: "owner" },
      managed: ["carol"],
    },
    steps: ["changeRole carol owner→admin", "remove carol admin"],
  },
  {
    name: "two owners, the extra one undeclared, unmanaged: report → demoted, reported",
    org: {
      declared: { alice: "owner" },
      actual: { alice: "owner", carol: "owner" },
      policy: { unmanaged: "report" },
    },
    steps: ["changeRole carol owner→admin"],
    warnings: ["unmanaged-member carol"],
  },
  {
    name: "three owners, none declared → one transfer from the first, the others demoted",
    org: {
      declared: { alice: "admin", bob: "owner", carol: "member", dan: "admin" },
      actual: { alice: "owner", bob: "member", carol: "owner", dan: "owner" },
    },
    steps: [
      "transferOwnership bob alice→bob",
      "changeRole carol owner→member",
      "changeRole dan owner→admin",
    ],
  },
];

describe("plan: ownership transfer (R5)", () => it.each(transferRows)("$name", checkRow));
describe("plan: transfer blocked", () => it.each(waitingRows)("$name", checkRow));
describe("plan: owner repair (R2)", () => it.each(repairRows)("$name", checkRow));

describe("plan: the owner is protected", () => {
  it("never emits a step touching the sole owner without a transfer", () => {
    const p = planFor({
      declared: { alice: "owner", bob: "member" },
      actual: { alice: "owner", bob: "admin" },
      managed: ["alice", "bob"],
    });
    expect(p.steps.filter((s) => s.email === "alice@acme.com")).toEqual([]);
  });

  it("orders the transfer before the old owner's demotion and removal", () => {
    const p = planFor({
      declared: { bob: "owner", carol: "member" },
      actual: { alice: "owner", bob: "admin", carol: "admin", dan: "member" },
      managed: ["dan"],
    });
    const phases = p.steps.map((s) => `${phaseOf(s)}:${s.action}:${s.email}`);
    expect(phases).toEqual([
      "transfers:transferOwnership:bob@acme.com",
      "demotions:changeRole:carol@acme.com",
      "removals:remove:alice@acme.com",
      "removals:remove:dan@acme.com",
    ]);
  });

  it("a transfer step carries email = new owner, from/to = old and new owner", () => {
    const p = planFor({ declared: { bob: "owner" }, actual: { alice: "owner", bob: "member" } });
    expect(p.steps[0]).toEqual({
      action: "transferOwnership",
      org: "acme",
      email: "bob@acme.com",
      from: "alice@acme.com",
      to: "bob@acme.com",
      reason: "declared owner of acme is bob@acme.com, the current owner is alice@acme.com",
    });
  });
});
