import type { LeaverRow, LeaverSummary } from "../../audit/leavers.js";
import { formatApplied, formatGap, formatRowGap } from "../../audit/leavers.js";
import { renderCsv } from "../csv.js";
import { markdownCell as esc } from "../markdown-text.js";
import { renderTable } from "../output.js";

const COLUMNS = [
  "org",
  "email",
  "change",
  "from",
  "to",
  "saidAt",
  "commit",
  "pr",
  "author",
  "appliedAt",
  "gapSeconds",
  "appliedNotBefore",
] as const;

export function summaryText(s: LeaverSummary, withJournal = true): string {
  if (!withJournal)
    return `${s.revocations} revocations; no journal read (--backend): gaps unknown`;
  return (
    `${s.revocations} revocations, ${s.applied} applied, ${s.notApplied} not applied; ` +
    `worst gap ${s.worstGapSeconds === null ? "-" : formatGap(s.worstGapSeconds)}, ` +
    `median gap ${s.medianGapSeconds === null ? "-" : formatGap(s.medianGapSeconds)}` +
    (s.bounded !== undefined
      ? `; ${s.bounded} applied by an interrupted write: their gaps are upper bounds`
      : "")
  );
}

export function renderLeaversCsv(rows: readonly LeaverRow[]): string {
  return renderCsv(
    [...COLUMNS],
    rows.map((r) => COLUMNS.map((c) => r[c] ?? null)),
  );
}

export function renderLeaversTable(
  rows: readonly LeaverRow[],
  summary: LeaverSummary,
  withJournal: boolean,
): string {
  const table =
    rows.length === 0
      ? "No revocations.\n"
      : renderTable(
          ["ORG", "EMAIL", "CHANGE", "GIT SAID", "COMMIT", "PR", "APPLIED", "GAP"],
          rows.map((r) => [
            r.org,
            r.email,
            r.change === "demoted" ? `demoted ${r.from ?? ""}→${r.to ?? ""}` : r.change,
            r.saidAt,
            r.commit.slice(0, 12),
            r.pr === null ? "" : `#${r.pr}`,
            formatApplied(r),
            withJournal ? formatRowGap(r) : "",
          ]),
        );
  return `${table}${summaryText(summary, withJournal)}\n`;
}

export function renderLeaversMarkdown(rows: readonly LeaverRow[], summary: LeaverSummary): string {
  const lines = [
    "## Leaver timeliness",
    "",
    "| Organization | Email | Change | Git said | Commit | Applied | Gap |",
    "|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.org} | ${esc(r.email)} | ${r.change} | ${r.saidAt} | ${r.commit.slice(0, 12)}${r.pr === null ? "" : ` (#${r.pr})`} | ${formatApplied(r)} | ${formatRowGap(r)} |`,
    ),
    "",
    summaryText(summary),
  ];
  return `${lines.join("\n")}\n`;
}
