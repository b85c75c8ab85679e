import type { UndeliveredMail } from "../adapters/backends/sqlite/mail-jobs.js";
import { redactSecrets } from "../adapters/redact.js";
import { redactUrls } from "../model/index.js";
import type { PlanWarning } from "../plan/types.js";

/** What an apply's delivery of the outbox came to. */
export interface MailReport {
  via: string;
  /** Mails of the pass's organizations delivered during it (right after commit or in the drain). */
  delivered: number;
  undelivered: UndeliveredMail[];
}

/** One invitation whose mail is not delivered, in `apply -o json`. */
export interface MailEntryJson {
  org: string;
  email: string;
  attempts: number;
  /** The error's kind (`unavailable`, `mail-rejected`, `tls`, …), null when not tried yet. */
  reason: string | null;
  /** The last error's message, URLs and credentials redacted; null when not tried yet. */
  error: string | null;
}

/**
 * `apply -o json`'s `mail` (docs/plan-apply.md): how many invitation mails went out in this
 * apply, and each one still waiting (`pending`: retried) or failed for good (`failed`). The
 * accept link and its token never appear: they live only in the outbox until delivered.
 */
export interface MailReportJson {
  via: string;
  delivered: number;
  pending: MailEntryJson[];
  failed: MailEntryJson[];
}

export function mailReportJson(report: MailReport): MailReportJson {
  const entry = (m: UndeliveredMail): MailEntryJson => ({
    org: m.org,
    email: m.email,
    attempts: m.attempts,
    reason: m.reason,
    error: m.lastError === null ? null : redactSecrets(redactUrls(m.lastError)),
  });
  return {
    via: redactUrls(report.via),
    delivered: report.delivered,
    pending: report.undelivered.filter((m) => m.status === "pending").map(entry),
    failed: report.undelivered.filter((m) => m.status === "failed").map(entry),
  };
}

/** `plan` shows every open invitation whose mail has not gone out: it is not done yet. */
export function undeliveredWarnings(undelivered: readonly UndeliveredMail[]): PlanWarning[] {
  return undelivered.map((m) => ({
    org: m.org,
    email: m.email,
    code: m.status === "failed" ? "mail-failed" : "mail-pending",
    message:
      m.status === "failed"
        ? `the invitation mail failed for good after ${attempts(m.attempts)}: ${m.lastError ?? "unknown error"}; ` +
          `fix the cause, then \`roster portal resend ${m.email} --org ${m.org}\``
        : m.attempts === 0
          ? "the invitation mail has not been sent yet: the next apply (or roster run / serve) sends it"
          : `the invitation mail is not delivered yet (${attempts(m.attempts)}, last error: ${m.lastError ?? "unknown"}); it is retried`,
  }));
}

/**
 * Lines for stderr after an apply; empty when every mail went out. Undelivered mail fails the
 * apply (exit 1): a pending invitation nobody was told about is not done.
 */
export function describeMailReport(report: MailReport): string[] {
  const waiting = report.undelivered.filter((m) => m.status === "pending");
  const failed = report.undelivered.filter((m) => m.status === "failed");
  const lines: string[] = [];
  if (waiting.length > 0) {
    lines.push(
      `roster: ${plural(waiting.length, "invitation waits", "invitations wait")} for delivery of ` +
        `${waiting.length === 1 ? "its" : "their"} mail via ${report.via}: ${summarizeErrors(waiting)}; ` +
        "run the same command again (or keep roster run / roster serve running) to retry",
    );
    for (const m of waiting.slice(0, 20))
      lines.push(`  waiting: ${m.org}: ${m.email} (${attempts(m.attempts)})`);
    if (waiting.length > 20) lines.push(`  … and ${waiting.length - 20} more`);
  }
  if (failed.length > 0) {
    lines.push(
      `roster: ${plural(failed.length, "invitation mail", "invitation mails")} failed for good ` +
        `(retrying will not help): ${summarizeErrors(failed)}`,
    );
    for (const m of failed.slice(0, 20)) {
      lines.push(
        `  failed: ${m.org}: ${m.email}: fix it, then roster portal resend ${m.email} --org ${m.org}`,
      );
    }
    if (failed.length > 20) lines.push(`  … and ${failed.length - 20} more`);
  }
  return lines;
}

/** The distinct last errors, most frequent first: "why" in one line. */
function summarizeErrors(mails: readonly UndeliveredMail[]): string {
  const counts = new Map<string, number>();
  for (const m of mails) {
    // The mailers name the recipient and the transport: the same cause reads as one.
    const error = (m.lastError ?? "not tried yet").replace(
      /^could not send the invitation to \S+ via \S+: /,
      "",
    );
    counts.set(error, (counts.get(error) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([error, n]) => (counts.size === 1 ? error : `${error} (${n})`))
    .join("; ");
}

function attempts(n: number): string {
  return plural(n, "attempt", "attempts");
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
