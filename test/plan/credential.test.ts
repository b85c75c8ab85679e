import { describe, expect, it } from "vitest";
import { capabilitiesOf } from "../../controller/model/index.js";
import { capabilityBlocker } from "../../controller/plan/capabilities.js";
import type { Step } from "../../controller/plan/index.js";
import { phaseOf } from "../../controller/plan/index.js";
import { email, planFor, summarize } from "./fixtures.js";

const asKeyOf = (holder: string, role: "owner" | "admin") => ({
  ...capabilitiesOf(role),
  identity: email(holder),
});

describe("plan: the credential's own steps (issue 11, failure 3)", () => {
  it("an owner's key transfers, then removes someone else, and demotes its own holder last", () => {
    const p = planFor({
      declared: { bob: "owner", alice: "member" },
      actual: { alice: "owner", bob: "admin", carol: "member" },
      managed: ["carol"],
      caps: asKeyOf("alice", "owner"),
    });
    expect(p.steps.map(summarize)).toEqual([
      "transferOwnership bob alice→bob",
      "remove carol member",
      "changeRole alice admin→member",
    ]);
    expect(p.steps.map((s) => phaseOf(s))).toEqual(["transfers", "removals", "credential"]);
    expect(p.steps.at(-1)?.credential).toBe(true);
    expect(p.blocked).toEqual([]);
  });

  it("an admin's key removing itself with nine others removes the nine first", () => {
    const nine = Array.from({ length: 9 }, (_, i) => `m${i}`);
    const p = planFor({
      declared: { olive: "owner" },
      actual: {
        olive: "owner",
        adam: "admin",
        ...Object.fromEntries(nine.map((m) => [m, "member"])),
      },
      managed: ["adam", ...nine],
      caps: asKeyOf("adam", "admin"),
      policy: { maxRemovals: { kind: "count", value: 100 } },
    });
    expect(p.steps).toHaveLength(10);
    expect(p.steps.slice(0, 9).every((s) => s.action === "remove" && !s.credential)).toBe(true);
    expect(summarize(p.steps[9]!)).toBe("remove adam admin");
    expect(p.steps[9]?.credential).toBe(true);
  });

  it("after transferring ownership away, the key acts as admin: what an admin may not do is blocked", () => {
    const p = planFor({
      declared: { bob: "owner", alice: "admin", dan: "admin" },
      actual: { alice: "owner", bob: "admin" },
      caps: asKeyOf("alice", "owner"),
    });
    const invite: Step = {
      action: "invite",
      org: "acme",
      email: email("dan"),
      role: "admin",
      reason: "",
    };
    const adminMayNot = capabilityBlocker(invite, capabilitiesOf("admin")) !== undefined;
    const blocked = p.blocked.find((s) => s.action === "invite");
    expect(blocked !== undefined).toBe(adminMayNot);
    if (blocked)
      expect(blocked.blockedBy).toMatch(
        /^after the ownership transfer this credential acts as admin/,
      );
    expect(p.steps.map(summarize)).toContain("transferOwnership bob alice→bob");
  });

  it("changes nothing for the system actor (the embedded store opened directly)", () => {
    const p = planFor({
      declared: { bob: "owner" },
      actual: { alice: "owner", bob: "admin" },
      managed: ["alice"],
    });
    expect(p.steps.some((s) => s.credential)).toBe(false);
  });
});
