import { describe, expect, it } from "vitest";
import type { PullRequestCheck } from "../../controller/audit/pr-check.js";
import { renderCheckMarkdown } from "../../controller/cli/pr-check/render-markdown.js";
import type { Plan } from "../../controller/plan/types.js";

const report: PullRequestCheck = {
  allowed: true,
  base: "a".repeat(40),
  head: "b".repeat(40),
  author: "bob-gh",
  approvers: ["alice-gh"],
  changes: [],
  issues: [],
  baseIssues: [],
  headFiles: ["orgs/acme.yaml"],
};

const plan: Plan = {
  revision: "b".repeat(40),
  steps: [
    {
      action: "remove",
      org: "acme",
      email: "eve@ext.io",
      role: "member",
      reason:
        "spec.expiresAt 2026-02-01T00:00:00.000Z has passed: time-bound access to acme ended (expired)",
      expiresAt: "2026-02-01T00:00:00.000Z",
    },
  ],
  blocked: [],
  warnings: [
    {
      org: "acme",
      email: "frank@ext.io",
      code: "expiring-soon",
      message: "frank@ext.io (member) loses access to acme at 2026-02-03T00:00:00.000Z, in 2d",
    },
    {
      org: "acme",
      code: "access-review-due",
      message: "acme has no AccessReview; spec.reviews.every asks for one every 90d",
    },
    { org: "acme", code: "unmanaged-member", message: "x is member in acme but not declared" },
  ],
  safety: { safe: true, refusals: [], removals: [{ org: "acme", count: 0, limit: 10 }] },
};

describe("the PR comment shows the access lifecycle outside the folded plan", () => {
  it("lists expiry revocations, expiring members and an overdue review before <details>", () => {
    const md = renderCheckMarkdown({ report, plan });
    const [visible] = md.split("<details>");
    expect(visible).toContain("#### Access lifecycle");
    expect(visible).toContain(
      "- ⏱️ **expired**: acme: - remove eve@ext.io (member) — spec.expiresAt 2026-02-01T00:00:00.000Z has passed",
    );
    expect(visible).toContain(
      "- ⚠️ **expiring-soon**: frank@ext.io (member) loses access to acme at 2026-02-03T00:00:00.000Z, in 2d",
    );
    expect(visible).toContain("- ⚠️ **access-review-due**: acme has no AccessReview");
    // Other warnings stay in the plan only.
    expect(visible).not.toContain("unmanaged-member");
  });

  it("has no such section when nothing is time-bound", () => {
    expect(
      renderCheckMarkdown({ report, plan: { ...plan, steps: [], warnings: [] } }),
    ).not.toContain("Access lifecycle");
  });
});
