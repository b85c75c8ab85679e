import { describe, expect, it } from "vitest";
import { idempotencyKey } from "../../controller/apply/idempotency.js";
import { Preconditions } from "../../controller/apply/preconditions.js";
import type { ActualOrganization } from "../../controller/model/index.js";
import type { Step } from "../../controller/plan/types.js";
import { actualOrg } from "./fixtures.js";

describe("idempotencyKey", () => {
  it("is new for every planned write, so the same drift found again is written again", () => {
    const keys = new Set(Array.from({ length: 1000 }, () => idempotencyKey()));
    expect(keys.size).toBe(1000);
  });
});

describe("Preconditions", () => {
  const base = actualOrg(
    "acme",
    { "alice@acme.com": "owner", "bob@acme.com": "admin" },
    { "eve@acme.com": "member" },
  );
  const actual: ActualOrganization = {
    ...base,
    settingsVersion: "s7",
    members: base.members.map((m, i) => ({ ...m, version: `m${i}` })),
    invitations: base.invitations.map((inv) => ({ ...inv, version: "i3" })),
  };
  const pre = new Preconditions(actual);
  const bobVersion = actual.members.find((m) => m.email === "bob@acme.com")?.version;

  it.each<[string, Step, unknown]>([
    [
      "a new invitation expects nobody there",
      { action: "invite", org: "acme", email: "zed@acme.com", role: "member", reason: "" },
      { absent: true },
    ],
    [
      "a re-invitation expects the invitation it saw",
      { action: "invite", org: "acme", email: "eve@acme.com", role: "admin", reason: "" },
      { version: "i3" },
    ],
    [
      "a cancel expects the invitation it saw (the invitee may have accepted since)",
      { action: "cancelInvite", org: "acme", email: "eve@acme.com", role: "member", reason: "" },
      { version: "i3" },
    ],
    [
      "a role change expects the membership it saw",
      {
        action: "changeRole",
        org: "acme",
        email: "bob@acme.com",
        from: "admin",
        to: "member",
        reason: "",
      },
      { version: bobVersion },
    ],
    [
      "a transfer expects the new owner's membership it saw",
      {
        action: "transferOwnership",
        org: "acme",
        email: "bob@acme.com",
        from: "alice@acme.com",
        to: "bob@acme.com",
        reason: "",
      },
      { version: bobVersion },
    ],
    [
      "a settings update expects the settings it saw",
      {
        action: "updateOrganization",
        org: "acme",
        settings: actual.settings,
        changed: ["displayName"],
        reason: "",
      },
      { version: "s7" },
    ],
  ])("%s", (_what, step, expected) => {
    expect(pre.of(step)).toEqual(expected);
  });

  it("expects no organization before creating one, and nothing of a backend without versions", () => {
    const create: Step = {
      action: "createOrganization",
      org: "beta",
      email: "o@beta.com",
      role: "owner",
      settings: actual.settings,
      reason: "",
    };
    expect(new Preconditions(null).of(create)).toEqual({ absent: true });
    const remove: Step = {
      action: "remove",
      org: "acme",
      email: "bob@acme.com",
      role: "admin",
      reason: "",
    };
    expect(new Preconditions(base).of(remove)).toBeUndefined();
  });
});
