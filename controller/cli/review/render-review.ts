import type { AccessReviewReport, ReviewRow } from "../../audit/review.js";
import { renderCsv } from "../csv.js";
import { markdownCell as esc } from "../markdown-text.js";
import { renderTable } from "../output.js";

const COLUMNS = [
  "org",
  "email",
  "role",
  "since",
  "commit",
  "pr",
  "author",
  "approvers",
  "expiresAt",
  "external",
  "flags",
] as const;

function cells(r: ReviewRow): (string | number | null)[] {
  return [
    r.org,
    r.email,
    r.role,
    r.since,
    r.grantedBy.commit,
    r.grantedBy.pr,
    r.grantedBy.author,
    r.grantedBy.approvers?.join(" ") ?? null,
    r.expiresAt,
    r.external ? "yes" : "no",
    r.flags.join(" "),
  ];
}

export function reviewJson(report: AccessReviewReport): unknown {
  const { at, revision, org, rows, status } = report;
  return { at, revision, org, status, members: rows };
}

export function renderReviewCsv(report: AccessReviewReport): string {
  return renderCsv([...COLUMNS], report.rows.map(cells));
}

function statusLine(report: AccessReviewReport): string {
  const { status } = report;
  const latest = status.latest
    ? `latest review ${status.latest.reviewedAt} by ${status.latest.reviewer}`
    : "no AccessReview recorded";
  const due =
    status.dueAt === null
      ? "no review period set (spec.reviews.every)"
      : `${status.overdue ? "OVERDUE since" : "next due"} ${status.dueAt} (every ${status.every ?? "?"})`;
  return `${latest}; ${due}`;
}

export function renderReviewTable(report: AccessReviewReport): string {
  const head = `Access review of ${report.org} at ${report.at}, revision ${report.revision ?? "(none)"}\n${statusLine(report)}\n`;
  if (report.rows.length === 0) return `${head}No members with access.\n`;
  const rows = report.rows.map((r) => [
    r.email,
    r.role,
    r.since,
    r.grantedBy.commit.slice(0, 12),
    r.grantedBy.pr === null ? "" : `#${r.grantedBy.pr}`,
    r.grantedBy.author,
    r.grantedBy.approvers?.join(" ") ?? "",
    r.expiresAt ?? "",
    r.external ? "external" : "",
    r.flags.join(" "),
  ]);
  const headers = [
    "EMAIL",
    "ROLE",
    "SINCE",
    "COMMIT",
    "PR",
    "AUTHOR",
    "APPROVERS",
    "EXPIRES",
    "EXTERNAL",
    "FLAGS",
  ];
  return head + renderTable(headers, rows);
}

/** Markdown a reviewer pastes into a ticket or an AccessReview's notes. */
export function renderReviewMarkdown(report: AccessReviewReport): string {
  const lines = [
    `## Access review: ${esc(report.org)}`,
    "",
    `At ${report.at}, revision \`${report.revision ?? "(none)"}\`. ${statusLine(report).replace(/\|/g, "\\|")}.`,
    "",
    "| Email | Role | Since | Granted by | Approvers | Expires | External | Flags |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const r of report.rows) {
    const by = `${r.grantedBy.commit.slice(0, 12)}${r.grantedBy.pr === null ? "" : ` (#${r.grantedBy.pr})`} by ${esc(r.grantedBy.author)}`;
    lines.push(
      `| ${esc(r.email)} | ${r.role} | ${r.since} | ${by} | ${esc(r.grantedBy.approvers?.join(", ") ?? "")} | ${r.expiresAt ?? ""} | ${r.external ? "yes" : "no"} | ${r.flags.join(", ")} |`,
    );
  }
  return `${lines.join("\n")}\n`;
}
