import { decideOrg } from "../../reconcile/decision.js";
import type { ReconcileResult } from "../../reconcile/types.js";
import type { Issue } from "../../model/index.js";
import type { OrgOutcome } from "./status.js";

/**
 * The status writer's reading of one org's pass. Whether to retry or stall is decided once, by
 * the controller core (reconcile/decision.ts); this only adds what status shows: the Invalid
 * message without the positions of a rendering nobody sees, and each Member's own issues
 * (`memberRefs`: the refs of the org's Member objects, which issues name as their file).
 */
export function outcomeOf(
  org: string,
  result: ReconcileResult,
  memberRefs: ReadonlySet<string>,
): OrgOutcome & { retry: boolean } {
  const { decision, orgResult } = decideOrg(org, result);
  const retry = decision.kind === "requeue";
  // A pass that got to a plan read the Organization's spec: it knows whether a review is due.
  const review = result.plan
    ? { review: result.reviewsDue?.find((r) => r.org === org) ?? null }
    : {};
  const base = { retry, ...(orgResult ? { result: orgResult } : {}), ...review };
  if (decision.kind === "ok") return base;
  const errors = result.issues.filter((i) => i.severity === "error");
  if (decision.reason === "Invalid") {
    const memberIssues = new Map<string, string>();
    for (const issue of errors) {
      if (memberRefs.has(issue.file) && !memberIssues.has(issue.file)) {
        memberIssues.set(issue.file, `${issue.rule}: ${withoutPositions(issue.message)}`);
      }
    }
    const message = [...new Set(errors.map(issueLine))].join("; ");
    return { ...base, stalled: { reason: "Invalid", message }, memberIssues };
  }
  const condition = { reason: decision.reason, message: decision.message };
  return decision.kind === "requeue"
    ? { ...base, retrying: condition }
    : { ...base, stalled: condition };
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
  /\b([a-z0-9][-a-z0-9]*\/(?:Organization|Member|AccessReview)\/[a-z0-9][-a-z0-9.]*):\d+:\d+/g;

function withoutPositions(message: string): string {
  return message.replace(REF_POSITION, "$1");
}
