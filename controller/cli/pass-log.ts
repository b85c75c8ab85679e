import type { Logger } from "../model/index.js";
import type { Decision, OrgEvent, ReconcileResult } from "../reconcile/index.js";

/** The log lines of a source pass that stopped before any organization (org: null). */
export function logSourceStopped(
  log: Logger,
  result: ReconcileResult,
  decision: Decision,
  trigger: string,
): void {
  const revision = result.revision ?? null;
  if (result.sourceError) {
    log.error(
      decision.kind === "requeue"
        ? "source unreadable: nothing written, retrying with backoff"
        : "source unreadable: nothing written, needs a human",
      { org: null, revision, trigger, error: result.sourceError.message },
    );
    return;
  }
  const errors = result.issues.filter((i) => i.severity === "error");
  if (errors.length > 0) {
    for (const issue of errors) {
      log.error(issue.message, {
        org: null,
        revision,
        file: issue.file,
        line: issue.line,
        col: issue.col,
        rule: issue.rule,
      });
    }
    log.error("invalid resources: nothing written, the last good state stays", {
      org: null,
      revision,
      trigger,
      errors: errors.length,
    });
    return;
  }
  if (decision.kind !== "ok") {
    log.warn("sync refused by safety checks: needs a human", {
      org: null,
      revision,
      trigger,
      refusals: [decision.message],
    });
  }
}

/** One log line for one organization's reconcile, with its revision and what decided it. */
export function logOrg(log: Logger, event: OrgEvent, suspended: boolean): void {
  const { org, result, decision, trigger } = event;
  const revision = result.revision ?? null;
  const orgResult = result.orgs.find((o) => o.org === org);
  if (!orgResult) {
    log.warn("no longer declared in the source: left alone in the backend, never emptied", {
      org,
      revision,
      trigger,
    });
    return;
  }
  const fields = {
    org,
    revision,
    trigger,
    status: orgResult.status,
    next: decision.kind,
    steps: orgResult.plan?.steps.length ?? 0,
    blocked: orgResult.plan?.blocked.length ?? 0,
    applied: orgResult.results.filter((r) => r.result === "applied").length,
    failed: orgResult.results.filter((r) => r.result === "failed").length,
    suspended,
    ...(orgResult.error ? { error: orgResult.error.message } : {}),
  };
  if (orgResult.status === "failed" || orgResult.status === "partial") {
    log.error("sync failed", fields);
  } else if (orgResult.status === "refused") {
    log.warn("sync refused by safety checks: needs a human", {
      ...fields,
      refusals: orgResult.plan?.safety.refusals.map((r) => r.message),
    });
  } else {
    log.info(suspended ? "suspended: drift reported, nothing written" : "synced", fields);
  }
}
