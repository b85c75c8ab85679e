import { describe, expect, it } from "vitest";
import { BeforeState, idempotencyKey } from "../../controller/apply/idempotency.js";
import type { Step } from "../../controller/plan/types.js";
import { actualOrg } from "./fixtures.js";

const invite: Step = {
  action: "invite",
  org: "acme",
  email: "bob@acme.com",
  role: "member",
  reason: "declared",
};

describe("idempotencyKey", () => {
  it("is stable for the same revision, step and before-state", () => {
    expect(idempotencyKey("r1", invite, "absent")).toBe(
      idempotencyKey("r1", { ...invite, reason: "another wording" }, "absent"),
    );
  });

  it.each<[string, string, Step, string]>([
    ["revision", "r2", invite, "absent"],
    ["role", "r1", { ...invite, role: "admin" }, "absent"],
    ["email", "r1", { ...invite, email: "carol@acme.com" }, "absent"],
    ["org", "r1", { ...invite, org: "beta" }, "absent"],
    ["action", "r1", { ...invite, action: "resendInvite" }, "absent"],
    ["before-state", "r1", invite, "invitation:member:expired:x:y"],
  ])("changes with the %s", (_what, revision, step, before) => {
    expect(idempotencyKey(revision, step, before)).not.toBe(idempotencyKey("r1", invite, "absent"));
  });
});

describe("BeforeState", () => {
  const actual = actualOrg(
    "acme",
    { "alice@acme.com": "owner", "bob@acme.com": "admin" },
    { "eve@acme.com": "member" },
  );
  const before = new BeforeState(actual);

  it("describes members, invitations and absent emails differently", () => {
    const of = (email: string) => before.of({ ...invite, email });
    expect(of("bob@acme.com")).toMatch(/^member:admin:/);
    expect(of("eve@acme.com")).toMatch(/^invitation:member:pending:/);
    expect(of("zed@acme.com")).toBe("absent");
  });

  it("covers both sides of a transfer and the org itself", () => {
    const transfer = before.of({
      action: "transferOwnership",
      org: "acme",
      from: "alice@acme.com",
      to: "bob@acme.com",
      reason: "",
    });
    expect(transfer).toMatch(/^member:owner:.*\|member:admin:/);
    expect(
      new BeforeState(null).of({ action: "createOrganization", org: "acme", reason: "" }),
    ).toBe("org:absent");
  });
});
