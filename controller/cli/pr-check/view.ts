import type { LocatedChange, PullRequestCheck } from "../../audit/pr-check.js";
import type { Issue } from "../../model/index.js";
import type { Plan } from "../../plan/types.js";

/** Everything one `roster check` prints, whatever the format. */
export interface CheckView {
  report: PullRequestCheck;
  /** Absent when head does not validate (nothing to plan) or the backend could not be read. */
  plan?: Plan;
  /** Why there is no plan although head is valid (the backend could not be read). */
  planNote?: string;
  /** GitHub mode: approvals left out because a later push made them stale. */
  staleApprovers?: string[];
}

/** Base problems first (they deny the PR), prefixed so nobody looks for them in head. */
export function allIssues(report: PullRequestCheck): Issue[] {
  const base = report.baseIssues.map((i) => ({
    ...i,
    message: `at base ${report.base.slice(0, 12)}: ${i.message}`,
  }));
  return [...base, ...report.issues];
}

const errorCount = (issues: readonly Issue[]) =>
  issues.filter((i) => i.severity === "error").length;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** One sentence that says the verdict and why. */
export function verdictReason(report: PullRequestCheck): string {
  const baseErrors = errorCount(report.baseIssues);
  if (baseErrors > 0) {
    return `base does not load (${plural(baseErrors, "error")}): nobody's authority can be read from it`;
  }
  const headErrors = errorCount(report.issues);
  if (!report.headState) return `head does not validate (${plural(headErrors, "error")})`;
  const denied = report.changes.filter((c) => c.missing !== undefined).length;
  const total = report.changes.length;
  if (total === 0) return "no membership changes";
  if (denied === 0) {
    return `${plural(total, "membership change")}, each approved as its rule requires`;
  }
  return `${denied} of ${plural(total, "membership change")} ${denied === 1 ? "lacks" : "lack"} the approval ${denied === 1 ? "its rule needs" : "their rules need"}`;
}

/** Who satisfied a change's rule, and whether as the author or as an approver. */
export function satisfiedByText(report: PullRequestCheck, login: string): string {
  return login.toLowerCase() === report.author.toLowerCase()
    ? `${login} (author)`
    : `${login} (approver)`;
}

/** `from → to` as a reader scans it. */
export function describeChange(c: LocatedChange): string {
  const arrow = `${c.from ?? "∅"} → ${c.to ?? "∅"}`;
  return c.field === undefined ? `${c.change} ${arrow}` : `${c.change} ${c.field}: ${arrow}`;
}

/** The documented `-o json` object: `{ allowed, changes, issues, plan? }`. */
export function checkJson(view: CheckView): unknown {
  const { report } = view;
  return {
    allowed: report.allowed,
    changes: report.changes.map((c) => ({
      org: c.org,
      email: c.email,
      ...(c.field !== undefined ? { field: c.field } : {}),
      change: c.change,
      from: c.from,
      to: c.to,
      rule: c.rule,
      ...(c.satisfiedBy !== undefined ? { satisfiedBy: c.satisfiedBy } : {}),
      ...(c.missing !== undefined ? { missing: c.missing } : {}),
    })),
    issues: allIssues(report).map(({ file, line, col, rule, severity, message, hint }) =>
      hint
        ? { file, line, col, rule, severity, message, hint }
        : { file, line, col, rule, severity, message },
    ),
    ...(view.plan ? { plan: view.plan } : {}),
  };
}
