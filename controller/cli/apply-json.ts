import type { Plan, Step } from "../plan/types.js";
import type { OrgReconcileResult, ReconcileResult, StepResult } from "../reconcile/index.js";
import type { MailReport, MailReportJson } from "./mail-report.js";
import { mailReportJson } from "./mail-report.js";

/**
 * `roster apply -o json` (README "Commands"): the plan exactly as `plan -o json` prints it,
 * then what happened — each step as in the plan plus `result` (`applied` | `noop` | `failed` |
 * `conflict`: someone else wrote first, re-planned)
 * and, when it failed, `error` ({ message, transient }); each organization's status; the
 * counts of the summary line; the invitation mail's delivery (`mail`, null for a backend that
 * sends its own: see mail-report.ts); `ok` mirrors the exit code (true ⇔ 0).
 */
export interface ApplyReport {
  plan: Plan | null;
  results: (Step & { result: StepResult["result"]; error?: StepError })[];
  orgs: { org: string; status: OrgReconcileResult["status"]; error?: StepError }[];
  summary: { applied: number; unchanged: number; failed: number; blocked: number };
  mail: MailReportJson | null;
  ok: boolean;
}

interface StepError {
  message: string;
  transient: boolean;
}

export function applyReport(
  result: ReconcileResult & { mail?: MailReport },
  ok: boolean,
): ApplyReport {
  const steps = result.orgs.flatMap((o) => o.results);
  const count = (r: string) => steps.filter((s) => s.result === r).length;
  return {
    plan: result.plan ?? null,
    results: steps.map((r) => ({
      ...r.step,
      result: r.result,
      ...(r.error ? { error: { message: r.error.message, transient: r.error.transient } } : {}),
    })),
    orgs: result.orgs.map((o) => ({
      org: o.org,
      status: o.status,
      ...(o.error ? { error: { message: o.error.message, transient: o.error.transient } } : {}),
    })),
    summary: {
      applied: count("applied"),
      unchanged: count("noop"),
      failed: count("failed"),
      blocked: result.plan?.blocked.length ?? 0,
    },
    mail: result.mail ? mailReportJson(result.mail) : null,
    ok,
  };
}
