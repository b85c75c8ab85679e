import pc from "picocolors";
import { describe, expect, it } from "vitest";
import type { PullRequestCheck } from "../../controller/audit/pr-check.js";
import { COMMENT_MARKER, clampText } from "../../controller/adapters/github/limits.js";
import { renderCheckMarkdown } from "../../controller/cli/pr-check/render-markdown.js";
import { renderCheckTable } from "../../controller/cli/pr-check/render-table.js";
import type { Plan, Step } from "../../controller/plan/types.js";

const SHA_BASE = "a".repeat(40);
const SHA_HEAD = "b".repeat(40);

function report(overrides: Partial<PullRequestCheck> = {}): PullRequestCheck {
  return {
    allowed: true,
    base: SHA_BASE,
    head: SHA_HEAD,
    author: "bob-gh",
    approvers: ["alice-gh"],
    changes: [
      {
        org: "acme",
        email: "carol@acme.com",
        change: "roleChanged",
        from: "member",
        to: "admin",
        rule: "R4",
        satisfiedBy: "alice-gh",
      },
    ],
    issues: [],
    baseIssues: [],
    headFiles: ["orgs/acme.yaml"],
    ...overrides,
  };
}

function bigPlan(steps: number): Plan {
  const list: Step[] = Array.from({ length: steps }, (_, i) => ({
    action: "invite",
    org: "acme",
    email: `person.${String(i).padStart(5, "0")}@acme.com`,
    role: "member",
    reason: "declared as member in acme; not a member, not invited",
  }));
  return {
    revision: SHA_HEAD,
    steps: list,
    blocked: [],
    warnings: [],
    safety: { safe: true, refusals: [], removals: [] },
  };
}

describe("the PR comment", () => {
  it("keeps the verdict and every change when only the plan is too long", () => {
    const plan = bigPlan(900);
    const view = { report: report(), plan };
    const full = renderCheckMarkdown(view, Number.MAX_SAFE_INTEGER);
    expect(full.length).toBeGreaterThan(70_000);
    const body = renderCheckMarkdown(view);
    expect(body.length).toBeLessThanOrEqual(65_535);
    expect(body.startsWith(`${COMMENT_MARKER}\n### ✅ Roster check: allowed\n`)).toBe(true);
    expect(body).toContain(
      "| ✅ | acme | carol@acme.com | roleChanged member → admin | R4 | alice-gh (approver) |",
    );
    expect(body).toContain("> **Truncated** to fit GitHub's 65,535-character limit");
    expect(body).toMatch(/\n… \d+ more plan lines not shown\n```\n\n<\/details>\n$/);
    // The plan's first lines made it in, in order.
    expect(body).toContain(
      "Plan for revision bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n\nacme:\n  + invite person.00000@acme.com as member",
    );
  });

  it("is whole and untouched when it fits; table cells cannot break the table", () => {
    const view = {
      report: report({
        allowed: false,
        changes: [
          {
            org: "acme",
            email: "x@acme.com",
            change: "granted",
            from: null,
            to: "member",
            rule: "R3",
            missing: "a | pipe and <b>html</b>",
          },
        ],
      }),
    };
    const body = renderCheckMarkdown(view);
    expect(body).not.toContain("Truncated");
    expect(body).toContain(
      "| ❌ | acme | x@acme.com | granted ∅ → member | R3 | needs a \\| pipe and &lt;b&gt;html&lt;/b&gt; |",
    );
  });

  it("clampText is the last guard: never over the limit, cut at a line, with the note", () => {
    const text = "line\n".repeat(20_000);
    const out = clampText(text, 1000, "NOTE");
    expect(out.length).toBeLessThanOrEqual(1000);
    expect(out.endsWith("line\n\nNOTE")).toBe(true);
    expect(clampText("short", 1000, "NOTE")).toBe("short");
  });

  it("the table names who satisfied each rule, and base problems first", () => {
    const text = renderCheckTable({
      report: report({
        allowed: false,
        baseIssues: [
          {
            file: "orgs/acme.yaml",
            line: 1,
            col: 1,
            rule: "yaml",
            severity: "error",
            message: "broken",
          },
        ],
      }),
    });
    expect(text).toContain(
      "Roster check: DENIED — base does not load (1 error): nobody's authority can be read from it",
    );
    expect(text).toContain("ok: alice-gh (approver)");
    expect(text).toContain(`  orgs/acme.yaml:1:1: yaml: at base ${SHA_BASE.slice(0, 12)}: broken`);
  });

  it("the table paints the verdict when given colours, and stays plain by default", () => {
    const paint = pc.createColors(true);
    expect(renderCheckTable({ report: report() }, paint)).toContain(
      `Roster check: ${paint.green("ALLOWED")} — `,
    );
    expect(renderCheckTable({ report: report({ allowed: false }) }, paint)).toContain(
      `Roster check: ${paint.red("DENIED")} — `,
    );
    expect(renderCheckTable({ report: report() })).not.toContain("\u001b[");
  });
});
