import { describe, expect, it } from "vitest";
import type { Step } from "../../controller/plan/index.js";
import { PHASES, STEP_ACTIONS, phaseOf, plan } from "../../controller/plan/index.js";
import type { OrgCase } from "./fixtures.js";
import { build, planFor, summarize } from "./fixtures.js";

/** One org exercising every phase: update, transfer, promotion, invite, demotion, cancel, removal. */
const everyPhase = (org: string): OrgCase => ({
  org,
  declared: { alice: "member", bob: "owner", carol: "admin", dan: "member", erin: "member" },
  actual: { alice: "owner", bob: "admin", carol: "member", dan: "admin", zed: "member" },
  pending: { yan: "member" },
  settings: { displayName: `${org} Inc.` },
  actualSettings: {},
});

describe("plan: order", () => {
  it("orders by phase, then organization, then email", () => {
    const p = planFor([everyPhase("beta"), everyPhase("acme")]);
    expect(p.steps.map(summarize)).toEqual([
      "updateOrganization displayName",
      "updateOrganization beta:displayName",
      "changeRole carol member→admin",
      "changeRole beta:carol member→admin",
      "transferOwnership bob alice→bob",
      "transferOwnership beta:bob alice→bob",
      "invite erin member",
      "invite beta:erin member",
      "changeRole alice admin→member",
      "changeRole dan admin→member",
      "changeRole beta:alice admin→member",
      "changeRole beta:dan admin→member",
      "cancelInvite yan member",
      "cancelInvite beta:yan member",
      "remove zed member",
      "remove beta:zed member",
    ]);
    const phases = p.steps.map((s) => PHASES.indexOf(phaseOf(s)));
    expect([...phases].sort((a, b) => a - b)).toEqual(phases);
    expect(p.safety.safe).toBe(true);
  });

  it("is deterministic: input order does not matter", () => {
    const { desired, observed } = build([everyPhase("acme"), everyPhase("beta")]);
    const first = plan(desired, observed);
    const reversed = {
      ...desired,
      organizations: [...desired.organizations]
        .reverse()
        .map((o) => ({ ...o, members: [...o.members].reverse() })),
    };
    const shuffledObserved = {
      ...observed,
      organizations: new Map(
        [...observed.organizations].reverse().map(([name, o]) => [
          name,
          {
            ...o,
            actual: o.actual && {
              ...o.actual,
              members: [...o.actual.members].reverse(),
              invitations: [...o.actual.invitations].reverse(),
            },
          },
        ]),
      ),
    };
    expect(plan(reversed, shuffledObserved)).toEqual(first);
    expect(plan(desired, observed)).toEqual(first);
  });

  it("serialises to the documented JSON shape", () => {
    const p = planFor(everyPhase("acme"));
    const json = JSON.parse(JSON.stringify(p)) as { steps: Record<string, unknown>[] };
    expect(Object.keys(json).sort()).toEqual([
      "blocked",
      "revision",
      "safety",
      "steps",
      "warnings",
    ]);
    const allowed = [
      "action",
      "org",
      "email",
      "role",
      "from",
      "to",
      "reason",
      "settings",
      "changed",
      "autoProvisioned",
    ];
    for (const step of json.steps) {
      expect(allowed).toEqual(expect.arrayContaining(Object.keys(step)));
      expect(STEP_ACTIONS).toContain(step.action);
      expect(typeof step.reason).toBe("string");
    }
  });

  it("every step and blocked step carries a human reason", () => {
    const p = planFor({
      ...everyPhase("acme"),
      declared: { ...everyPhase("acme").declared, bob: "admin", fay: "owner", alice: "admin" },
    });
    const all: Step[] = [...p.steps, ...p.blocked];
    expect(all.length).toBeGreaterThan(5);
    for (const s of all) expect(s.reason).toMatch(/\w+ \w+/);
    expect(p.blocked.map(summarize)).toEqual(["transferOwnership fay alice→fay"]);
  });
});
