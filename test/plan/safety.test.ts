import { describe, expect, it } from "vitest";
import type { ActualOrganization } from "../../controller/model/index.js";
import type { Step } from "../../controller/plan/index.js";
import { plan, removalLimit, simulateOwners } from "../../controller/plan/index.js";
import type { OrgCase } from "./fixtures.js";
import { actualOrg, build, planFor } from "./fixtures.js";

/** An org with `declared` declared members and `n` undeclared ones (removed: unmanaged: remove). */
function strangers(n: number, extra: Partial<OrgCase> = {}, declared = 0): OrgCase {
  const members = (prefix: string, count: number) => {
    const out: Record<string, "member"> = {};
    for (let i = 0; i < count; i++) out[`${prefix}${String(i).padStart(3, "0")}`] = "member";
    return out;
  };
  return {
    declared: { alice: "owner", ...members("d", declared) },
    actual: { alice: "owner", ...members("d", declared), ...members("s", n) },
    ...extra,
  };
}

describe("safety: maxRemovals", () => {
  const rows: {
    name: string;
    org: OrgCase;
    override?: number;
    safe: boolean;
    count: number;
    limit: number;
  }[] = [
    {
      name: "count: at the limit",
      org: strangers(3, { policy: { maxRemovals: { kind: "count", value: 3 } } }),
      safe: true,
      count: 3,
      limit: 3,
    },
    {
      name: "count: one over",
      org: strangers(4, { policy: { maxRemovals: { kind: "count", value: 3 } } }),
      safe: false,
      count: 4,
      limit: 3,
    },
    // 10% of 30 active members (the owner, 26 declared, 3 strangers) = 3.
    {
      name: "percent: at the limit",
      org: strangers(3, { policy: { maxRemovals: { kind: "percent", value: 10 } } }, 26),
      safe: true,
      count: 3,
      limit: 3,
    },
    // 10% of 29 = 2.9 → 2 (rounded down).
    {
      name: "percent: rounded down",
      org: strangers(3, { policy: { maxRemovals: { kind: "percent", value: 10 } } }, 25),
      safe: false,
      count: 3,
      limit: 2,
    },
    {
      name: "override raises the limit",
      org: strangers(4, { policy: { maxRemovals: { kind: "count", value: 1 } } }),
      override: 4,
      safe: true,
      count: 4,
      limit: 4,
    },
    {
      name: "override lowers the limit too",
      org: strangers(2, { policy: { maxRemovals: { kind: "count", value: 10 } } }),
      override: 1,
      safe: false,
      count: 2,
      limit: 1,
    },
    {
      name: "override 0 with nothing to remove",
      org: strangers(0),
      override: 0,
      safe: true,
      count: 0,
      limit: 0,
    },
    {
      name: "blocked removals do not count",
      org: strangers(4, {
        policy: { maxRemovals: { kind: "count", value: 1 } },
        caps: { actorRole: "member", identity: "mia@acme.com" },
      }),
      safe: true,
      count: 0,
      limit: 1,
    },
  ];

  it.each(rows)("$name", (row) => {
    const p = planFor(
      row.org,
      row.override === undefined ? {} : { maxRemovalsOverride: row.override },
    );
    expect(p.safety.removals).toEqual([{ org: "acme", count: row.count, limit: row.limit }]);
    expect(p.safety.safe).toBe(row.safe);
    if (!row.safe) {
      expect(p.safety.refusals).toHaveLength(1);
      const refusal = p.safety.refusals[0]!;
      expect(refusal.rule).toBe("max-removals");
      expect(refusal.org).toBe("acme");
      expect(refusal.message).toContain(
        `acme: ${row.count} removals planned, more than the limit of ${row.limit}`,
      );
      expect(refusal.hint).toContain(`--max-removals ${row.count}`);
    }
  });

  it("names the source of the limit", () => {
    const percent = planFor(
      strangers(2, { policy: { maxRemovals: { kind: "percent", value: 10 } } }),
    );
    expect(percent.safety.refusals[0]?.message).toContain(
      "(safety.maxRemovals 10% of 3 active members)",
    );
    const override = planFor(strangers(2), { maxRemovalsOverride: 1 });
    expect(override.safety.refusals[0]?.message).toContain("(--max-removals 1)");
  });

  it("counts each org on its own", () => {
    const p = planFor([
      { ...strangers(2), org: "acme" },
      { ...strangers(2, { policy: { maxRemovals: { kind: "count", value: 1 } } }), org: "beta" },
    ]);
    expect(p.safety.removals).toEqual([
      { org: "acme", count: 2, limit: 10 },
      { org: "beta", count: 2, limit: 1 },
    ]);
    expect(p.safety.refusals.map((r) => `${r.org}:${r.rule}`)).toEqual(["beta:max-removals"]);
  });

  it("removalLimit: count, percent rounded down, override wins", () => {
    expect(removalLimit({ kind: "count", value: 7 }, 1000)).toBe(7);
    expect(removalLimit({ kind: "percent", value: 5 }, 99)).toBe(4);
    expect(removalLimit({ kind: "percent", value: 100 }, 12)).toBe(12);
    expect(removalLimit({ kind: "percent", value: 10 }, 0)).toBe(0);
    expect(removalLimit({ kind: "count", value: 7 }, 1000, 0)).toBe(0);
  });
});

describe("safety: owner count simulation (R2)", () => {
  const org = (roles: Record<string, "owner" | "admin" | "member">): ActualOrganization =>
    actualOrg({ declared: {}, actual: roles })!;
  const a = (s: string) => `${s}@acme.com`;
  // Rows are step literals without org and reason; the union checks each action's fields.
  type Bare<S> = S extends Step ? Omit<S, "org" | "reason"> : never;
  const step = (partial: Bare<Step>): Step => ({ org: "acme", reason: "test", ...partial }) as Step;
  const rows: { name: string; actual: ActualOrganization | null; steps: Step[]; error?: RegExp }[] =
    [
      {
        name: "transfer, then the old owner's demotion and removal: fine",
        actual: org({ alice: "owner", bob: "admin" }),
        steps: [
          step({ action: "transferOwnership", email: a("bob"), from: a("alice"), to: a("bob") }),
          step({ action: "changeRole", email: a("alice"), from: "admin", to: "member" }),
          step({ action: "remove", email: a("alice"), role: "member" }),
        ],
      },
      {
        name: "removing the sole owner → 0 owners",
        actual: org({ alice: "owner", bob: "admin" }),
        steps: [step({ action: "remove", email: a("alice"), role: "owner" })],
        error: /step 1 \(remove alice@acme.com\) would leave acme with 0 owners/,
      },
      {
        name: "demoting the sole owner → 0 owners",
        actual: org({ alice: "owner" }),
        steps: [step({ action: "changeRole", email: a("alice"), from: "owner", to: "admin" })],
        error: /0 owners/,
      },
      {
        name: "a second owner by role change → 2 owners",
        actual: org({ alice: "owner", bob: "admin" }),
        steps: [step({ action: "changeRole", email: a("bob"), from: "admin", to: "owner" })],
        error: /would leave acme with 2 owners/,
      },
      {
        name: "demotion before the transfer (wrong order) → 0 owners at step 1",
        actual: org({ alice: "owner", bob: "admin" }),
        steps: [
          step({ action: "changeRole", email: a("alice"), from: "owner", to: "member" }),
          step({ action: "transferOwnership", email: a("bob"), from: a("alice"), to: a("bob") }),
        ],
        error: /^step 1 /,
      },
      {
        name: "transfer to someone not active → refused (R5)",
        actual: org({ alice: "owner" }),
        steps: [
          step({ action: "transferOwnership", email: a("bob"), from: a("alice"), to: a("bob") }),
        ],
        error: /not an active member \(R5\)/,
      },
      {
        name: "ownerless backend: promoting the declared owner is fine",
        actual: org({ alice: "admin" }),
        steps: [step({ action: "changeRole", email: a("alice"), from: "admin", to: "owner" })],
      },
      {
        name: "three owners repaired to one, one at a time: fine",
        actual: org({ alice: "owner", bob: "owner", carol: "owner" }),
        steps: [
          step({ action: "changeRole", email: a("bob"), from: "owner", to: "admin" }),
          step({ action: "changeRole", email: a("carol"), from: "owner", to: "member" }),
        ],
      },
      {
        name: "two owners, one removed and the other demoted → 0",
        actual: org({ alice: "owner", bob: "owner" }),
        steps: [
          step({ action: "changeRole", email: a("bob"), from: "owner", to: "admin" }),
          step({ action: "changeRole", email: a("alice"), from: "owner", to: "admin" }),
        ],
        error: /step 2 .* 0 owners/,
      },
      {
        name: "a new organization starts with its owner",
        actual: null,
        steps: [
          step({
            action: "createOrganization",
            email: a("alice"),
            role: "owner",
            settings: {
              displayName: "Acme",
              domains: [],
              autoProvisioning: { enabled: false, role: "member" },
              inviteExpirySeconds: 604_800,
            },
          }),
          step({ action: "invite", email: a("bob"), role: "member" }),
        ],
      },
    ];

  it.each(rows)("$name", (row) => {
    const result = simulateOwners(row.actual, row.steps);
    if (row.error) expect(result).toMatch(row.error);
    else expect(result).toBeUndefined();
  });

  it("plan() runs the simulation: a plan is safe only if every step keeps one owner", () => {
    const p = planFor({ declared: { bob: "owner" }, actual: { alice: "owner", bob: "admin" } });
    expect(p.safety.safe).toBe(true);
  });
});

describe("safety: source and organizations", () => {
  it("an empty source is refused, never read as “remove everyone”", () => {
    const { observed } = build([strangers(3)]);
    const p = plan({ revision: "r", organizations: [] }, observed);
    expect(p.steps).toEqual([]);
    expect(p.safety.safe).toBe(false);
    expect(p.safety.refusals).toEqual([
      expect.objectContaining({ org: "*", rule: "empty-source" }),
    ]);
  });

  it("organizations no longer declared are left alone and reported", () => {
    const { desired, observed } = build(
      [{ declared: { alice: "owner" }, actual: { alice: "owner" } }],
      ["beta", "gamma"],
    );
    const p = plan(desired, observed);
    expect(p.steps).toEqual([]);
    expect(p.safety.safe).toBe(true);
    expect(p.warnings.map((w) => [w.org, w.code])).toEqual([
      ["beta", "undeclared-organization"],
      ["gamma", "undeclared-organization"],
    ]);
    expect(p.warnings[0]?.message).toContain("left alone in the backend");
  });

  it("a declared org with no single owner is refused, not guessed", () => {
    const p = planFor({ declared: { alice: "admin" }, actual: { alice: "owner", eve: "member" } });
    expect(p.steps).toEqual([]);
    expect(p.safety.refusals).toEqual([
      expect.objectContaining({ org: "acme", rule: "declared-owner" }),
    ]);
  });

  it("a declared org missing from the observation is reported, nothing planned", () => {
    const { desired } = build([{ declared: { alice: "owner" }, actual: null }]);
    const p = plan(desired, { organizations: new Map(), undeclared: [] });
    expect(p.steps).toEqual([]);
    expect(p.warnings.map((w) => w.code)).toEqual(["not-observed"]);
  });
});
