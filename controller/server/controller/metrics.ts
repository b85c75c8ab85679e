import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { ReconcileResult } from "../../reconcile/types.js";

/** The label used for a pass that failed before any organization was known (unreadable source). */
export const SOURCE_ORG_LABEL = "(source)";

/** The controller's Prometheus metrics (names are part of the documented contract). */
export class ControllerMetrics {
  readonly registry = new Registry();
  private readonly syncTotal = new Counter({
    name: "roster_sync_total",
    help: "Reconcile passes per organization, by result (synced, partial, refused, failed, dryRun, invalid).",
    labelNames: ["org", "result"] as const,
    registers: [this.registry],
  });
  private readonly syncDuration = new Histogram({
    name: "roster_sync_duration_seconds",
    help: "Wall time of one reconcile: of one organization, or of a source pass that stopped before any.",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });
  private readonly stepsApplied = new Counter({
    name: "roster_steps_applied_total",
    help: "Steps run against the backend, by organization, action and result (applied, noop, failed).",
    labelNames: ["org", "action", "result"] as const,
    registers: [this.registry],
  });
  private readonly driftSteps = new Gauge({
    name: "roster_drift_steps",
    help: "Differences the last pass found between the source and the backend before repairing them (steps planned + blocked; 0 = it was in sync).",
    labelNames: ["org"] as const,
    registers: [this.registry],
  });
  private readonly lastSuccess = new Gauge({
    name: "roster_last_successful_sync_timestamp_seconds",
    help: "Unix time of the last pass that applied every planned step of the organization.",
    labelNames: ["org"] as const,
    registers: [this.registry],
  });
  private readonly sourceInfo = new Gauge({
    name: "roster_source_info",
    help: "The source revision of the last pass that read the source (value is always 1).",
    labelNames: ["revision"] as const,
    registers: [this.registry],
  });

  private readonly reviewDue = new Gauge({
    name: "roster_access_review_due_seconds",
    help: "Seconds until the organization's next access review is due (spec.reviews.every); negative when overdue, 0 when none was ever recorded.",
    labelNames: ["org"] as const,
    registers: [this.registry],
  });
  private readonly mailFailures = new Counter({
    name: "roster_mail_failures_total",
    help: "Invitation mail delivery attempts that failed, by organization and reason (unavailable, mail-rejected, unauthenticated, tls, …).",
    labelNames: ["org", "reason"] as const,
    registers: [this.registry],
  });
  private readonly writesRecovered = new Counter({
    name: "roster_writes_recovered_total",
    help: "Writes interrupted between the backend and the journal (a killed controller), journaled on recovery, by organization and result (applied, noop, failed).",
    labelNames: ["org", "result"] as const,
    registers: [this.registry],
  });
  private readonly knownOrgs = new Set<string>();
  private undeliveredMail: () => readonly { org: string }[] = () => [];

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const pendingByOrg = () => this.pendingByOrg();
    new Gauge({
      name: "roster_mail_pending",
      help: "Open invitations whose mail is not delivered yet (pending or failed), read from the outbox at scrape time.",
      labelNames: ["org"] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [org, n] of pendingByOrg()) this.set({ org }, n);
      },
    });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** The outbox to read `roster_mail_pending` from (the embedded store). */
  watchMail(undelivered: () => readonly { org: string }[]): void {
    this.undeliveredMail = undelivered;
  }

  /** Every organization seen in a pass is listed, at 0 when all its mail went out. */
  private pendingByOrg(): Map<string, number> {
    const counts = new Map([...this.knownOrgs].map((org) => [org, 0]));
    for (const m of this.undeliveredMail()) counts.set(m.org, (counts.get(m.org) ?? 0) + 1);
    return counts;
  }

  /**
   * `--leader-elect` on a folder or Git source: the leadership gauge of Kubernetes mode, read at
   * each scrape from the elector's own deadline check (true at that instant, not at the last
   * renewal).
   */
  watchLeadership(isLeader: () => boolean): void {
    new Gauge({
      name: "roster_kubernetes_leader",
      help: "1 when this instance holds the Lease",
      registers: [this.registry],
      collect() {
        this.set(isLeader() ? 1 : 0);
      },
    });
  }

  /** The outcomes recovery appended for intents whose writer had died (apply/recover-intents.ts). */
  recordRecovered(recovered: readonly { org: string; result: string }[]): void {
    for (const r of recovered) this.writesRecovered.inc({ org: r.org, result: r.result });
  }

  recordMailAttempt(attempt: { org: string; result: string; reason?: string }): void {
    if (attempt.result === "delivered") return;
    this.mailFailures.inc({ org: attempt.org, reason: attempt.reason ?? "error" });
  }

  recordPass(result: ReconcileResult, seconds: number, now: Date = new Date()): void {
    this.syncDuration.observe(seconds);
    if (result.revision !== undefined) {
      this.sourceInfo.reset();
      this.sourceInfo.set({ revision: result.revision }, 1);
    }
    if (result.sourceError) {
      this.syncTotal.inc({ org: SOURCE_ORG_LABEL, result: "failed" });
      return;
    }
    if (result.issues.some((i) => i.severity === "error")) {
      this.syncTotal.inc({ org: SOURCE_ORG_LABEL, result: "invalid" });
      return;
    }
    if (result.plan !== undefined) {
      // A pass may cover some organizations only (one per reconcile): the others' gauges stay.
      for (const org of result.orgs) this.reviewDue.remove({ org: org.org });
      for (const r of result.reviewsDue ?? []) {
        this.reviewDue.set(
          { org: r.org },
          Math.round((Date.parse(r.dueAt) - now.getTime()) / 1000),
        );
      }
    }
    for (const org of result.orgs) {
      this.knownOrgs.add(org.org);
      this.syncTotal.inc({ org: org.org, result: org.status });
      if (org.plan) this.driftSteps.set({ org: org.org }, driftFound(org));
      for (const r of org.results) {
        this.stepsApplied.inc({ org: org.org, action: r.step.action, result: r.result });
      }
      if (org.status === "synced") {
        this.lastSuccess.set({ org: org.org }, Math.floor(now.getTime() / 1000));
      }
    }
  }

  /** An organization no longer declared (Kubernetes mode: its Organization was deleted). */
  forgetOrg(org: string): void {
    this.knownOrgs.delete(org);
    for (const gauge of [this.reviewDue, this.driftSteps, this.lastSuccess]) gauge.remove({ org });
  }
}

/** What the pass found different from the source, before it repaired it (so repaired drift shows). */
function driftFound(org: ReconcileResult["orgs"][number]): number {
  return (org.plan?.blocked.length ?? 0) + (org.plan?.steps.length ?? 0);
}
