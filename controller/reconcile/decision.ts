import type { OrgReconcileResult, ReconcileResult } from "./types.js";
import type { WorkOutcome } from "./work-queue.js";

/**
 * What a reconcile pass of one organization asks of the controller core, decided once for every
 * mode (STYLE 5): `ok` — in sync (or blocked on the world, which a later pass picks up);
 * `requeue` — try again later, with the key's backoff or after `afterMs`; `stalled` — needs a
 * human (invalid resources, a refused plan, a step refused for good): no retry until a change
 * or the periodic resync.
 */
export type Decision =
  | { kind: "ok" }
  | { kind: "requeue"; reason: string; message: string; afterMs?: number }
  | { kind: "stalled"; reason: string; message: string };

/** The decision for `org` in `result`, with the org's own result when the pass got that far. */
export function decideOrg(
  org: string,
  result: ReconcileResult,
): { decision: Decision; orgResult?: OrgReconcileResult } {
  const stopped = decideSource(result);
  if (stopped) return { decision: stopped };
  const orgResult = result.orgs.find((o) => o.org === org);
  if (!orgResult) {
    return {
      decision: { kind: "stalled", reason: "NotDeclared", message: `${org} is not declared` },
    };
  }
  return { decision: decideObserved(orgResult), orgResult };
}

/**
 * The decision for a pass that stopped before any organization (folder and Git mode's source
 * pass): an unreadable source requeues when that is transient, invalid resources stall until
 * the next revision; undefined when the revision is loaded and each org decides for itself.
 */
export function decideSource(result: ReconcileResult): Decision | undefined {
  if (result.sourceError) {
    const { message, transient } = result.sourceError;
    const reason = "SourceUnavailable";
    return transient ? { kind: "requeue", reason, message } : { kind: "stalled", reason, message };
  }
  const errors = result.issues.filter((i) => i.severity === "error");
  if (errors.length === 0) return undefined;
  const message = [...new Set(errors.map((i) => `${i.file}: ${i.rule}: ${i.message}`))].join("; ");
  return { kind: "stalled", reason: "Invalid", message };
}

/**
 * When the org must be reconciled again for its next declared expiry (ms from `nowMs`, never
 * negative): access ends at its instant, not up to an interval later. A pass's `nextExpiry` lies
 * after that pass's clock, so an instant already past cannot make a busy loop.
 */
export function expiryWakeMs(nextExpiry: string | undefined, nowMs: number): number | undefined {
  return nextExpiry === undefined ? undefined : Math.max(0, Date.parse(nextExpiry) - nowMs);
}

/** The work queue's reading of a decision: a stall is done (a change or the resync retries). */
export function workOutcome(decision: Decision): WorkOutcome {
  if (decision.kind !== "requeue") return { kind: "done" };
  return decision.afterMs === undefined
    ? { kind: "retry" }
    : { kind: "after", ms: decision.afterMs };
}

function decideObserved(orgResult: OrgReconcileResult): Decision {
  switch (orgResult.status) {
    case "refused": {
      const message = (orgResult.plan?.safety.refusals ?? [])
        .map((r) => (r.hint ? `${r.message} (${r.hint})` : r.message))
        .join("; ");
      return { kind: "stalled", reason: "Refused", message };
    }
    case "failed": {
      const message = orgResult.error?.message ?? "the backend could not be read";
      return orgResult.error?.transient === false
        ? { kind: "stalled", reason: "BackendError", message }
        : { kind: "requeue", reason: "BackendUnavailable", message };
    }
    case "partial": {
      // A conflict left after the re-plan rounds is someone else's write: try again later.
      const failed = orgResult.results.filter(
        (r) => r.result === "failed" || r.result === "conflict",
      );
      const message = failed
        .slice(0, 5)
        .map(
          (r) => `${r.step.action} ${r.step.email ?? r.step.org}: ${r.error?.message ?? "failed"}`,
        )
        .join("; ");
      const transient =
        failed.every((r) => r.result === "conflict" || (r.error?.transient ?? false)) &&
        !orgResult.error;
      return transient
        ? { kind: "requeue", reason: "StepsFailed", message }
        : { kind: "stalled", reason: "StepsFailed", message };
    }
    default:
      return { kind: "ok" };
  }
}
