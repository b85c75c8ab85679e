import type { Paint } from "../colors.js";
import { PLAIN } from "../colors.js";
import { issueLine } from "../issue-text.js";
import { renderTable } from "../output.js";
import { renderPlanTable } from "../render-plan.js";
import type { CheckView } from "./view.js";
import { allIssues, satisfiedByText, verdictReason } from "./view.js";

/** `roster check -o table`: the verdict, each change with its rule, the issues, the plan. */
export function renderCheckTable(view: CheckView, paint: Paint = PLAIN): string {
  const { report } = view;
  const verdict = report.allowed ? paint.green("ALLOWED") : paint.red("DENIED");
  const out: string[] = [
    `Roster check: ${verdict} — ${verdictReason(report)}`,
    `base ${report.base.slice(0, 12)} → head ${report.head.slice(0, 12)} · author ${report.author || "(none)"} · approvers: ${report.approvers.length > 0 ? report.approvers.join(", ") : "(none)"}` +
      (view.staleApprovers?.length
        ? ` · stale approvals ignored: ${view.staleApprovers.join(", ")}`
        : ""),
  ];
  if (report.changes.length > 0) {
    const rows = report.changes.map((c) => [
      c.org,
      c.field === undefined ? c.email : `(spec.${c.field})`,
      c.change,
      c.from ?? "-",
      c.to ?? "-",
      c.rule,
      c.missing !== undefined
        ? `DENIED: needs ${c.missing}`
        : c.satisfiedBy !== undefined
          ? `ok: ${satisfiedByText(report, c.satisfiedBy)}`
          : "ok: nothing required",
    ]);
    out.push(
      "",
      renderTable(["ORG", "MEMBER", "CHANGE", "FROM", "TO", "RULE", "VERDICT"], rows).trimEnd(),
    );
  }
  const issues = allIssues(report);
  if (issues.length > 0) {
    out.push("", "Issues:");
    for (const issue of issues) {
      const text = issueLine(issue, paint);
      out.push(...text.split("\n").map((l) => `  ${l}`));
    }
  }
  if (view.plan) out.push("", renderPlanTable(view.plan, { paint }).trimEnd());
  if (view.planNote) out.push("", `Plan: ${view.planNote}`);
  return `${out.join("\n")}\n`;
}
