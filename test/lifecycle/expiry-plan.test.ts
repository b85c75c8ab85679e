import { describe, expect, it } from "vitest";
import type { DesiredState } from "../../controller/model/index.js";
import { expirations, nextExpiry, plan } from "../../controller/plan/index.js";
import { planJson, renderPlanTable } from "../../controller/cli/render-plan.js";
import { expiryWakeMs } from "../../controller/reconcile/index.js";
import { build, email, summary } from "../plan/fixtures.js";
import type { OrgCase } from "../plan/fixtures.js";

const EXPIRY = "2026-03-01T12:00:00.000Z";
const BEFORE = new Date(Date.parse(EXPIRY) - 1);
const AT = new Date(EXPIRY);

/** `case` with expiresAt set on the named declared members. */
function planAt(c: OrgCase, expires: Record<string, string>, now?: Date, maxRemovals?: number) {
  const { desired, observed } = build([c]);
  const org = desired.organizations[0]!;
  org.members = org.members.map((m) => {
    const short = m.email.replace(/@acme\.com$/, "");
    return expires[short] ? { ...m, expiresAt: expires[short] } : m;
  });
  if (maxRemovals !== undefined) org.policy.maxRemovals = { kind: "count", value: maxRemovals };
  return plan(desired, observed, now ? { now } : {});
}

const owner = { alice: "owner" } as const;

describe("plan with time-bound members (spec.expiresAt)", () => {
  it("one millisecond before the instant: nothing revoked, a warning; at the instant: removed", () => {
    const c: OrgCase = {
      declared: { ...owner, bob: "admin" },
      actual: { ...owner, bob: "admin" },
      managed: ["alice", "bob"],
    };
    const before = planAt(c, { bob: EXPIRY }, BEFORE);
    expect(summary(before).steps).toEqual([]);
    expect(summary(before).warnings).toEqual(["expiring-soon bob"]);
    expect(before.warnings[0]!.message).toMatch(/loses access to acme at 2026-03-01T12:00:00.000Z/);

    const at = planAt(c, { bob: EXPIRY }, AT);
    expect(summary(at).steps).toEqual(["remove bob admin"]);
    expect(expirations(at).map((s) => s.expiresAt)).toEqual([EXPIRY]);
    expect(at.steps[0]!.reason).toMatch(/spec\.expiresAt 2026-03-01T12:00:00\.000Z has passed/);
    expect(at.warnings).toEqual([]);
  });

  it("without a clock, expiries are ignored (the planner never reads the time itself)", () => {
    const c: OrgCase = {
      declared: { ...owner, bob: "member" },
      actual: { ...owner, bob: "member" },
    };
    expect(planAt(c, { bob: EXPIRY }).steps).toEqual([]);
  });

  it("while invited: the invitation is cancelled; never invited when expired", () => {
    const invited: OrgCase = {
      declared: { ...owner, bob: "member", carol: "member" },
      actual: owner,
      pending: { bob: "member" },
    };
    const p = planAt(invited, { bob: EXPIRY, carol: EXPIRY }, AT);
    // bob's pending invitation is withdrawn; carol, never invited, is not invited now.
    expect(summary(p).steps).toEqual(["cancelInvite bob member"]);
    expect(expirations(p).map((s) => s.expiresAt)).toEqual([EXPIRY]);

    const expiredInvite: OrgCase = {
      declared: { ...owner, bob: "member" },
      actual: owner,
      expired: { bob: "member" },
    };
    expect(planAt(expiredInvite, { bob: EXPIRY }, AT).steps.map((s) => s.action)).toEqual([
      "cancelInvite",
    ]);

    const newOrg: OrgCase = {
      declared: { ...owner, bob: "member", carol: "member" },
      actual: null,
    };
    expect(summary(planAt(newOrg, { bob: EXPIRY }, AT)).steps).toEqual([
      "createOrganization alice owner",
      "invite carol member",
    ]);
  });

  it("a role change pending for an expired member is not made: they are removed instead", () => {
    const c: OrgCase = {
      declared: { ...owner, bob: "admin" },
      actual: { ...owner, bob: "member" },
    };
    expect(summary(planAt(c, { bob: EXPIRY }, AT)).steps).toEqual(["remove bob member"]);
  });

  it("expiry removals are not capped by maxRemovals but listed apart; other removals still are", () => {
    const declared: Record<string, "owner" | "member"> = { alice: "owner" };
    const actual: Record<string, "owner" | "member"> = { alice: "owner" };
    const expires: Record<string, string> = {};
    for (const n of ["b1", "b2", "b3", "b4"]) {
      declared[n] = "member";
      actual[n] = "member";
      expires[n] = EXPIRY;
    }
    actual.stranger = "member";
    const p = planAt({ declared, actual, managed: ["stranger"] }, expires, AT, 1);
    expect(p.safety.safe).toBe(true);
    expect(p.safety.removals).toEqual([{ org: "acme", count: 1, limit: 1 }]);
    expect(planJson(p).expirations.map((s) => s.email)).toEqual(
      ["b1", "b2", "b3", "b4"].map((n) => email(n)),
    );
    const table = renderPlanTable(p);
    const [main, apart] = table.split("Expired (declared expiresAt passed");
    expect(main).toContain("- remove stranger@acme.com");
    expect(main).not.toContain("b1@acme.com");
    expect(apart).toContain("acme: - remove b1@acme.com (member)");

    // Two ordinary removals over a limit of 1 are still refused, expiries or not.
    actual.other = "member";
    const refused = planAt({ declared, actual, managed: ["stranger", "other"] }, expires, AT, 1);
    expect(refused.safety.safe).toBe(false);
    expect(refused.safety.refusals.map((r) => r.rule)).toEqual(["max-removals"]);
  });

  it("warns only within spec.expiry.warnBefore (default 7d)", () => {
    const c: OrgCase = {
      declared: { ...owner, bob: "member" },
      actual: { ...owner, bob: "member" },
    };
    const eightDays = new Date(Date.parse(EXPIRY) - 8 * 86400_000);
    const sixDays = new Date(Date.parse(EXPIRY) - 6 * 86400_000);
    expect(planAt(c, { bob: EXPIRY }, eightDays).warnings).toEqual([]);
    expect(planAt(c, { bob: EXPIRY }, sixDays).warnings.map((w) => w.code)).toEqual([
      "expiring-soon",
    ]);

    const { desired, observed } = build([c]);
    const org = desired.organizations[0]!;
    org.members = org.members.map((m) => (m.role === "member" ? { ...m, expiresAt: EXPIRY } : m));
    org.lifecycle = { expiryWarnBeforeSeconds: 10 * 86400 };
    expect(plan(desired, observed, { now: eightDays }).warnings.map((w) => w.code)).toEqual([
      "expiring-soon",
    ]);
  });

  it("nextExpiry is the earliest future instant, never an owner's or a past one", () => {
    const desired: DesiredState = {
      revision: "r",
      organizations: [
        {
          ...build([{ declared: owner }]).desired.organizations[0]!,
          members: [
            {
              name: "a",
              email: "a@acme.com",
              role: "owner",
              expiresAt: "2026-01-01T00:00:00.000Z",
            },
            {
              name: "b",
              email: "b@acme.com",
              role: "member",
              expiresAt: "2026-02-01T00:00:00.000Z",
            },
            {
              name: "c",
              email: "c@acme.com",
              role: "member",
              expiresAt: "2026-05-01T00:00:00.000Z",
            },
            {
              name: "d",
              email: "d@acme.com",
              role: "member",
              expiresAt: "2026-04-01T00:00:00.000Z",
            },
          ],
        },
      ],
    };
    const now = Date.parse("2026-03-01T00:00:00Z");
    expect(nextExpiry(desired, now)).toBe("2026-04-01T00:00:00.000Z");
    expect(nextExpiry(desired, Date.parse("2026-06-01T00:00:00Z"))).toBeUndefined();
  });

  it("an organization wakes at its next expiry, at once when that instant is past", () => {
    const now = Date.parse("2026-03-01T00:00:00Z");
    expect(expiryWakeMs(undefined, now)).toBeUndefined();
    expect(expiryWakeMs("2026-03-01T00:00:05Z", now)).toBe(5000);
    expect(expiryWakeMs("2026-02-28T00:00:00Z", now)).toBe(0);
  });
});
