import type { LeaverRow, LeaverSummary } from "../../audit/leavers.js";
import { formatApplied, formatRowGap } from "../../audit/leavers.js";
import type { AccessReviewReport } from "../../audit/review.js";
import { summaryText } from "../review/render-leavers.js";
import { escapeHtml as h } from "./escape.js";
import { timelineSvg } from "./timeline-svg.js";

export interface OrgReport {
  review: AccessReviewReport;
  leavers: LeaverRow[];
  leaverSummary: LeaverSummary;
}

export interface ReportInput {
  generatedAt: string;
  repo: string;
  withJournal: boolean;
  orgs: OrgReport[];
}

// Inline only: the report opens from disk with no server and makes no request at all.
const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem; color: #111; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.5rem; border-bottom: 2px solid #333; }
table { border-collapse: collapse; margin: 1rem 0; width: 100%; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border: 1px solid #bbb; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th[scope=col] { background: #eee; } code { font-size: .9em; }
.flag { display: inline-block; background: #fde2c8; border-radius: 3px; padding: 0 .3rem; margin: 0 .2rem .1rem 0; }
.overdue { color: #b00; font-weight: 600; } .timeline text { font: 12px system-ui, sans-serif; }
.legend span { display: inline-block; width: 1em; height: .8em; margin: 0 .3em 0 1em; }
@media print {
  body { margin: 0; font-size: 11px; } h2 { break-before: page; } h2:first-of-type { break-before: auto; }
  table, svg { break-inside: avoid; } th[scope=col] { background: none; border-bottom: 2px solid #000; }
  .flag { border: 1px solid #000; background: none; }
}`;

export function renderReportHtml(input: ReportInput): string {
  const toc = input.orgs
    .map((o) => `<li><a href="#org-${h(o.review.org)}">${h(o.review.org)}</a></li>`)
    .join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Roster access report</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Roster access report</h1>
<p>Generated ${h(input.generatedAt)} from <code>${h(input.repo)}</code>${input.withJournal ? ", with the controller journal" : " (no journal: leaver gaps unknown)"}.</p>
<nav aria-label="Organizations"><ul>${toc}</ul></nav>
</header>
<main>
${input.orgs.map((o) => orgSection(o, input)).join("\n")}
</main>
</body>
</html>
`;
}

function orgSection(o: OrgReport, input: ReportInput): string {
  const r = o.review;
  const id = `org-${h(r.org)}`;
  return `<section id="${id}" aria-labelledby="${id}-title">
<h2 id="${id}-title">${h(r.org)}</h2>
<p>Declared state at revision <code>${h(r.revision ?? "(none)")}</code>, ${h(r.at)}.</p>
${reviewStatus(o)}
${accessTable(o)}
<h3>Timeline</h3>
<p class="legend">Bars: access by role<span style="background:#6a3d9a"></span>owner<span style="background:#1f78b4"></span>admin<span style="background:#33a02c"></span>member; ○ grant or role change, ✕ revocation or expiry (hover a mark for its commit, PR and author).</p>
${timelineSvg(r.history, Date.parse(input.generatedAt), `Grants, role changes and revocations in ${r.org}`)}
${eventsTable(o)}
${leaversTable(o, input.withJournal)}
</section>`;
}

function reviewStatus(o: OrgReport): string {
  const s = o.review.status;
  const latest = s.latest
    ? `Latest access review ${h(s.latest.reviewedAt)} by ${h(s.latest.reviewer)} (<code>${h(s.latest.name)}</code>).`
    : "No AccessReview recorded.";
  const due =
    s.dueAt === null
      ? "No review period is set (spec.reviews.every)."
      : s.overdue
        ? `<span class="overdue">Overdue since ${h(s.dueAt)}</span> (every ${h(s.every ?? "?")}).`
        : `Next review due ${h(s.dueAt)} (every ${h(s.every ?? "?")}).`;
  return `<p class="review-status">${latest} ${due}</p>`;
}

function accessTable(o: OrgReport): string {
  const rows = o.review.rows
    .map((m) => {
      const pr = m.grantedBy.pr === null ? "" : ` (#${m.grantedBy.pr})`;
      const flags = m.flags.map((f) => `<span class="flag">${h(f)}</span>`).join("");
      return `<tr><th scope="row">${h(m.email)}</th><td>${h(m.role)}</td><td>${h(m.since)}</td><td><code>${h(m.grantedBy.commit.slice(0, 12))}</code>${h(pr)} by ${h(m.grantedBy.author)}</td><td>${h(m.expiresAt ?? "")}</td><td>${m.external ? "yes" : "no"}</td><td>${flags}</td></tr>`;
    })
    .join("\n");
  return `<table class="access-now">
<caption>Who has access to ${h(o.review.org)} now (${o.review.rows.length} members)</caption>
<thead><tr><th scope="col">Member</th><th scope="col">Role</th><th scope="col">Since</th><th scope="col">Granted by</th><th scope="col">Expires</th><th scope="col">External</th><th scope="col">Flags</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

function eventsTable(o: OrgReport): string {
  const rows = o.review.history
    .map(
      (e) =>
        `<tr><td>${h(e.date)}</td><th scope="row">${h(e.email)}</th><td>${h(e.change)}</td><td>${h(e.from ?? "")}</td><td>${h(e.to ?? "")}</td><td><code>${h(e.commit.slice(0, 12))}</code></td><td>${e.pr === null ? "" : `#${e.pr}`}</td><td>${h(e.author)}</td></tr>`,
    )
    .join("\n");
  return `<table class="events">
<caption>Every change in ${h(o.review.org)}, as the timeline draws it</caption>
<thead><tr><th scope="col">Date</th><th scope="col">Member</th><th scope="col">Change</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Commit</th><th scope="col">PR</th><th scope="col">Author</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

function leaversTable(o: OrgReport, withJournal: boolean): string {
  const rows = o.leavers
    .map(
      (r) =>
        `<tr><th scope="row">${h(r.email)}</th><td>${h(r.change)}</td><td>${h(r.saidAt)}</td><td><code>${h(r.commit.slice(0, 12))}</code>${r.pr === null ? "" : ` (#${r.pr})`}</td><td>${h(formatApplied(r))}</td><td>${withJournal ? h(formatRowGap(r)) : ""}</td></tr>`,
    )
    .join("\n");
  return `<table class="leavers">
<caption>Leaver timeliness in ${h(o.review.org)}: ${h(summaryText(o.leaverSummary, withJournal))}</caption>
<thead><tr><th scope="col">Member</th><th scope="col">Revocation</th><th scope="col">Git said</th><th scope="col">Commit</th><th scope="col">Backend applied</th><th scope="col">Gap</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}
