import type { ReconcileResult } from "../../reconcile/types.js";
import type { Issue } from "../../model/index.js";
import type { OrgOutcome } from "./status.js";

/**
 * Reads one org's reconcile result the way the status writer reports it (STYLE 5): invalid
 * resources, a refused plan and permanent step failures need a human (Stalled, no retry but the
 * periodic resync); an unreachable backend and transient failures retry with backoff.
 */
export function outcomeOf(org: string, result: ReconcileResult): OrgOutcome & { retry: boolean } {
  if (result.sourceError) {
    const { message, transient } = result.sourceError;
    return transient
      ? { retry: true, retrying: { reason: "SourceUnavailable", message } }
      : { retry: false, stalled: { reason: "SourceUnavailable", message } };
  }
  const errors = result.issues.filter((i) => i.severity === "error");
  if (errors.length > 0) {
    const memberIssues = new Map<string, string>();
    for (const issue of errors) {
      if (issue.file.includes("/Member/") && !memberIssues.has(issue.file)) {
        memberIssues.set(issue.file, `${issue.rule}: ${withoutPositions(issue.message)}`);
      }
    }
    const lines = [...new Set(errors.map(issueLine))];
    return {
      retry: false,
      stalled: { reason: "Invalid", message: lines.join("; ") },
      memberIssues,
    };
  }
  const orgResult = result.orgs.find((o) => o.org === org);
  if (!orgResult) {
    return { retry: false, stalled: { reason: "NotDeclared", message: `${org} is not declared` } };
  }
  switch (orgResult.status) {
    case "refused": {
      const refusals = orgResult.plan?.safety.refusals ?? [];
      const message = refusals
        .map((r) => (r.hint ? `${r.message} (${r.hint})` : r.message))
        .join("; ");
      return { retry: false, result: orgResult, stalled: { reason: "Refused", message } };
    }
    case "failed": {
      const message = orgResult.error?.message ?? "the backend could not be read";
      return orgResult.error?.transient === false
        ? { retry: false, result: orgResult, stalled: { reason: "BackendError", message } }
        : { retry: true, result: orgResult, retrying: { reason: "BackendUnavailable", message } };
    }
    case "partial": {
      const failed = orgResult.results.filter((r) => r.result === "failed");
      const message = failed
        .slice(0, 5)
        .map(
          (r) => `${r.step.action} ${r.step.email ?? r.step.org}: ${r.error?.message ?? "failed"}`,
        )
        .join("; ");
      const transient = failed.every((r) => r.error?.transient ?? false) && !orgResult.error;
      return transient
        ? { retry: true, result: orgResult, retrying: { reason: "StepsFailed", message } }
        : { retry: false, result: orgResult, stalled: { reason: "StepsFailed", message } };
    }
    default:
      return { retry: false, result: orgResult };
  }
}

/**
 * `NAMESPACE/Kind/NAME: rule: message`, once per distinct message: a rule broken by several
 * resources (two owners) is reported by each of them with the same text, which names them all.
 */
function issueLine(issue: Issue): string {
  const message = withoutPositions(issue.message);
  return message.includes(issue.file)
    ? `${issue.rule}: ${message}`
    : `${issue.file}: ${issue.rule}: ${message}`;
}

// The loader places issues in the text it read; here that text is our rendering of the object,
// which nobody sees: `team/Member/alice:11:13` → `team/Member/alice`.
const REF_POSITION =
  /\b([a-z0-9][-a-z0-9]*\/(?:Organization|Member)\/[a-z0-9][-a-z0-9.]*):\d+:\d+/g;

function withoutPositions(message: string): string {
  return message.replace(REF_POSITION, "$1");
}
