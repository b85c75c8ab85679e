import type { Logger } from "../model/index.js";
import { decidePass } from "../reconcile/index.js";
import type { Decision, ReconcileResult } from "../reconcile/index.js";

/** One log line per org with its revision, and the core's decision for the pass. */
export function logPass(
  log: Logger,
  result: ReconcileResult,
  trigger: string,
  suspended: boolean,
): Decision {
  const revision = result.revision ?? null;
  const decision = decidePass(result);
  if (result.sourceError) {
    log.error(
      decision.kind === "requeue"
        ? "source unreadable: nothing written, retrying with backoff"
        : "source unreadable: nothing written, needs a human",
      { org: null, revision, trigger, error: result.sourceError.message },
    );
    return decision;
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
    return decision;
  }
  for (const org of result.orgs) {
    const failed = org.results.filter((r) => r.result === "failed").length;
    const applied = org.results.filter((r) => r.result === "applied").length;
    const fields = {
      org: org.org,
      revision,
      trigger,
      status: org.status,
      steps: org.plan?.steps.length ?? 0,
      blocked: org.plan?.blocked.length ?? 0,
      applied,
      failed,
      suspended,
      ...(org.error ? { error: org.error.message } : {}),
    };
    if (org.status === "failed" || org.status === "partial") {
      log.error("sync failed", fields);
    } else if (org.status === "refused") {
      log.warn("sync refused by safety checks: needs a human", {
        ...fields,
        refusals: org.plan?.safety.refusals.map((r) => r.message),
      });
    } else {
      log.info(suspended ? "suspended: drift reported, nothing written" : "synced", fields);
    }
  }
  return decision;
}
