import { describe, expect, it } from "vitest";
import type { Paint } from "../../controller/cli/colors.js";
import { PLAIN } from "../../controller/cli/colors.js";
import {
  describeStep,
  paintStep,
  renderPlanTable,
  summaryLine,
} from "../../controller/cli/render-plan.js";
import type { OrgSettings } from "../../controller/model/index.js";
import type { Plan, Step } from "../../controller/plan/types.js";

const plan = (over: Partial<Plan> = {}): Plan => ({
  revision: "abc123",
  steps: [],
  blocked: [],
  warnings: [],
  safety: { safe: true, refusals: [], removals: [] },
  ...over,
});

const SETTINGS: OrgSettings = {
  displayName: "Acme",
  domains: ["acme.com"],
  autoProvisioning: { enabled: false, role: "member" },
  inviteExpirySeconds: 604_800,
};

describe("describeStep", () => {
  it.each<[Step, string]>([
    [
      { action: "invite", org: "acme", email: "bob@acme.com", role: "member", reason: "" },
      "+ invite bob@acme.com as member",
    ],
    [
      { action: "resendInvite", org: "acme", email: "e@acme.com", role: "admin", reason: "" },
      "+ resendInvite e@acme.com as admin",
    ],
    [
      {
        action: "changeRole",
        org: "acme",
        email: "c@acme.com",
        from: "member",
        to: "admin",
        reason: "",
      },
      "~ changeRole c@acme.com member → admin",
    ],
    [
      {
        action: "transferOwnership",
        org: "acme",
        email: "b@acme.com",
        from: "a@acme.com",
        to: "b@acme.com",
        reason: "",
      },
      "» transferOwnership a@acme.com → b@acme.com",
    ],
    [
      { action: "remove", org: "acme", email: "d@acme.com", role: "admin", reason: "" },
      "- remove d@acme.com (admin)",
    ],
    [
      { action: "cancelInvite", org: "acme", email: "x@acme.com", role: "member", reason: "" },
      "- cancelInvite x@acme.com (member)",
    ],
    [
      {
        action: "createOrganization",
        org: "acme",
        email: "a@acme.com",
        role: "owner",
        settings: SETTINGS,
        reason: "",
      },
      "+ createOrganization acme with owner a@acme.com",
    ],
    [
      {
        action: "updateOrganization",
        org: "acme",
        changed: ["displayName", "domains"],
        settings: SETTINGS,
        reason: "",
      },
      "~ updateOrganization acme (displayName, domains)",
    ],
  ])("%j", (step, text) => {
    expect(describeStep(step)).toBe(text);
  });
});

describe("renderPlanTable", () => {
  it("groups steps by org, then blocked, warnings, the verdict and a summary", () => {
    const text = renderPlanTable(
      plan({
        steps: [
          { action: "invite", org: "beta", email: "b@beta.io", role: "member", reason: "declared" },
          { action: "remove", org: "acme", email: "x@acme.com", role: "member", reason: "gone" },
        ],
        blocked: [
          {
            action: "transferOwnership",
            org: "acme",
            email: "n@acme.com",
            from: "o@acme.com",
            to: "n@acme.com",
            reason: "declared owner",
            blockedBy: "waiting for n@acme.com to accept the invitation",
          },
        ],
        warnings: [
          { org: "acme", email: "h@acme.com", code: "unmanaged-member", message: "left alone" },
        ],
        safety: { safe: true, refusals: [], removals: [{ org: "acme", count: 1, limit: 10 }] },
      }),
    );
    expect(text).toBe(
      [
        "Plan for revision abc123",
        "",
        "acme:",
        "  - remove x@acme.com (member) — gone",
        "",
        "beta:",
        "  + invite b@beta.io as member — declared",
        "",
        "Blocked (not applied now):",
        "  acme: » transferOwnership o@acme.com → n@acme.com — waiting for n@acme.com to accept the invitation",
        "",
        "warning: acme: left alone [unmanaged-member]",
        "",
        "Safety: ok (removals: acme 1/10)",
        "2 changes: 1 invite, 1 removal; 1 blocked, 1 warning.",
        "",
      ].join("\n"),
    );
  });

  it("shows refusals with their hint", () => {
    const text = renderPlanTable(
      plan({
        safety: {
          safe: false,
          refusals: [
            {
              org: "acme",
              rule: "max-removals",
              message: "12 removals",
              hint: "use --max-removals 12",
            },
          ],
          removals: [{ org: "acme", count: 12, limit: 10 }],
        },
      }),
    );
    expect(text).toContain("Safety: REFUSED");
    expect(text).toContain("  acme: max-removals: 12 removals\n    hint: use --max-removals 12");
  });

  it("says no changes when there are none", () => {
    expect(summaryLine(plan())).toBe("No changes; 0 blocked, 0 warnings.");
  });

  it("counts the source's warnings, printed before the plan, with the plan's own", () => {
    expect(summaryLine(plan(), 2)).toBe("No changes; 0 blocked, 2 warnings.");
    expect(renderPlanTable(plan(), { sourceWarnings: 1 })).toMatch(/0 blocked, 1 warning\.\n$/);
  });

  it("says the org once when a refusal's message starts with it", () => {
    const text = renderPlanTable(
      plan({
        safety: {
          safe: false,
          refusals: [{ org: "acme", rule: "max-removals", message: "acme: 2 removals planned" }],
          removals: [{ org: "acme", count: 2, limit: 1 }],
        },
      }),
    );
    expect(text).toContain("  acme: max-removals: 2 removals planned\n");
  });

  it("paints signs and verdicts only when given colours", () => {
    const colours = {
      ...Object.fromEntries(Object.keys(PLAIN).map((k) => [k, (s: string) => s])),
      green: (s: string) => `<g>${s}</g>`,
      red: (s: string) => `<r>${s}</r>`,
      yellow: (s: string) => `<y>${s}</y>`,
      cyan: (s: string) => `<c>${s}</c>`,
    } as unknown as Paint;
    expect(paintStep("+ invite a", colours)).toBe("<g>+</g> invite a");
    expect(paintStep("- remove a", colours)).toBe("<r>-</r> remove a");
    expect(paintStep("~ changeRole a", colours)).toBe("<y>~</y> changeRole a");
    expect(paintStep("» transferOwnership a", colours)).toBe("<c>»</c> transferOwnership a");
    expect(renderPlanTable(plan(), { paint: colours })).toContain("Safety: <g>ok</g>");
    expect(renderPlanTable(plan())).not.toMatch(/<[a-z]>/);
  });
});
