import { COMMENT_MARKER, GITHUB_TEXT_LIMIT } from "../../adapters/github/limits.js";
import type { Issue } from "../../model/index.js";
import { expirations } from "../../plan/index.js";
import { describeStep, renderPlanTable, summaryLine } from "../render-plan.js";
import type { CheckView } from "./view.js";
import { allIssues, describeChange, satisfiedByText, verdictReason } from "./view.js";

/** A block of lines that may be cut: what opens and closes it always stays whole. */
interface Section {
  open: string[];
  rows: string[];
  close: string[];
  /** The line that replaces the rows left out. */
  omitted: (count: number) => string;
}

/** Room kept per section for its "… N more" line, and for the final note. */
const NOTE_ROOM = 400;

/**
 * The PR comment (and check-run summary): the verdict, a table of the changes with their rule
 * and verdict, the issues, and the plan folded in a `<details>` block. When the whole exceeds
 * `maxChars` (GitHub's 65,535 by default) the verdict and head lines always stay; changes, then
 * issues, then the plan get the room left, each cut with a count of what was left out, and a
 * note says the report was truncated. The result never exceeds `maxChars`.
 */
export function renderCheckMarkdown(view: CheckView, maxChars = GITHUB_TEXT_LIMIT): string {
  const headLines = header(view);
  const sections = [
    changesSection(view),
    issuesSection(view),
    lifecycleSection(view),
    planSection(view),
  ].filter((s): s is Section => s !== undefined);
  const whole = [...headLines, ...sections.flatMap((s) => [...s.open, ...s.rows, ...s.close])];
  const full = `${whole.join("\n")}\n`;
  if (full.length <= maxChars) return full;

  const note = `> **Truncated** to fit GitHub's ${maxChars.toLocaleString("en-US")}-character limit: run \`roster check\` locally (or with \`-o json\`) for the whole report.`;
  const lines = [...headLines, note];
  let used =
    size(lines) + sections.reduce((n, s) => n + size(s.open) + size(s.close) + NOTE_ROOM, 0);
  for (const section of sections) {
    const kept: string[] = [];
    for (const row of section.rows) {
      if (used + row.length + 1 > maxChars) break;
      kept.push(row);
      used += row.length + 1;
    }
    lines.push(...section.open, ...kept);
    if (kept.length < section.rows.length)
      lines.push(section.omitted(section.rows.length - kept.length));
    lines.push(...section.close);
  }
  const text = `${lines.join("\n")}\n`;
  // The room reserved above makes this unreachable in practice; it keeps the promise regardless.
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}\n`;
}

function header(view: CheckView): string[] {
  const { report } = view;
  const approvers = report.approvers.length > 0 ? report.approvers.map(code).join(", ") : "none";
  const stale = view.staleApprovers?.length
    ? ` · stale approvals ignored (a later push): ${view.staleApprovers.map(code).join(", ")}`
    : "";
  return [
    COMMENT_MARKER,
    `### ${report.allowed ? "✅ Roster check: allowed" : "❌ Roster check: denied"}`,
    "",
    `${cell(verdictReason(report))}.`,
    "",
    `Base ${code(report.base.slice(0, 12))} → head ${code(report.head.slice(0, 12))} · author ${report.author ? code(report.author) : "unknown"} · approvals at head: ${approvers}${stale}`,
  ];
}

function changesSection(view: CheckView): Section | undefined {
  const { changes } = view.report;
  if (changes.length === 0) return undefined;
  return {
    open: [
      "",
      "| | Organization | Member | Change | Rule | Verdict |",
      "|---|---|---|---|---|---|",
    ],
    rows: changes.map((c) => {
      const verdict =
        c.missing !== undefined
          ? `needs ${c.missing}`
          : c.satisfiedBy !== undefined
            ? satisfiedByText(view.report, c.satisfiedBy)
            : "nothing required";
      const mark = c.missing !== undefined ? "❌" : "✅";
      return `| ${mark} | ${cell(c.org)} | ${cell(c.field === undefined ? c.email : "")} | ${cell(describeChange(c))} | ${c.rule} | ${cell(verdict)} |`;
    }),
    close: [],
    omitted: (n) => `| … | ${n} more change${n === 1 ? "" : "s"} not shown | | | | |`,
  };
}

function issuesSection(view: CheckView): Section | undefined {
  const issues = allIssues(view.report);
  if (issues.length === 0) return undefined;
  return {
    open: ["", "#### Issues", ""],
    rows: issues.map(issueLine),
    close: [],
    omitted: (n) => `- … ${n} more issue${n === 1 ? "" : "s"} not shown`,
  };
}

function issueLine(issue: Issue): string {
  const mark = issue.severity === "error" ? "❌" : "⚠️";
  const hint = issue.hint ? ` — ${cell(issue.hint)}` : "";
  return `- ${mark} ${code(`${issue.file}:${issue.line}:${issue.col}`)} **${issue.rule}**: ${cell(issue.message)}${hint}`;
}

/** Access lifecycle codes shown outside the folded plan: a reviewer must not miss them. */
const LIFECYCLE_CODES = new Set(["expiring-soon", "access-review-due"]);

function lifecycleSection(view: CheckView): Section | undefined {
  const warnings = (view.plan?.warnings ?? []).filter((w) => LIFECYCLE_CODES.has(w.code));
  const expired = view.plan ? expirations(view.plan) : [];
  if (warnings.length === 0 && expired.length === 0) return undefined;
  return {
    open: ["", "#### Access lifecycle", ""],
    rows: [
      ...expired.map(
        (s) => `- ⏱️ **expired**: ${cell(`${s.org}: ${describeStep(s)} — ${s.reason}`)}`,
      ),
      ...warnings.map((w) => `- ⚠️ **${w.code}**: ${cell(w.message)}`),
    ],
    close: [],
    omitted: (n) => `- … ${n} more not shown`,
  };
}

function planSection(view: CheckView): Section | undefined {
  if (!view.plan) {
    return view.planNote
      ? { open: ["", `**Plan:** ${cell(view.planNote)}`], rows: [], close: [], omitted: () => "" }
      : undefined;
  }
  const text = renderPlanTable(view.plan).trimEnd();
  const fence = "`".repeat(Math.max(3, longestBacktickRun(text) + 1));
  const note = view.planNote ? ["", `**Plan:** ${cell(view.planNote)}`] : [];
  return {
    open: [
      ...note,
      "",
      `<details><summary>Plan: ${escapeHtml(summaryLine(view.plan))}</summary>`,
      "",
      `${fence}text`,
    ],
    rows: text.split("\n"),
    close: [fence, "", "</details>"],
    omitted: (n) => `… ${n} more plan line${n === 1 ? "" : "s"} not shown`,
  };
}

function size(lines: readonly string[]): number {
  return lines.reduce((n, l) => n + l.length + 1, 0);
}

/** Table cells hold one line and no column separator. */
function cell(text: string): string {
  return escapeHtml(text).replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const match of text.matchAll(/`+/g)) longest = Math.max(longest, match[0].length);
  return longest;
}
