import type { RecoveryReport } from "../apply/recover-intents.js";
import type { Decision } from "./decision.js";
import { decideOrg, decideSource, expiryWakeMs, workOutcome } from "./decision.js";
import { ControllerLoop } from "./loop.js";
import type { PassOutcome } from "./loop.js";
import type { LoadedSource } from "./reconcile.js";
import { loadSource, reconcileLoaded } from "./reconcile.js";
import type { ReconcileDeps, ReconcileOptions, ReconcileResult, StepResult } from "./types.js";
import type { WorkOutcome } from "./work-queue.js";
import { WorkQueue } from "./work-queue.js";

export interface SourceControllerOptions {
  /** The source, backend and state (progress comes through onStepDone). */
  deps: Omit<ReconcileDeps, "observer">;
  /** The source pass interval, also the full resync of every organization. */
  intervalMs: number;
  jitter?: number;
  /** Organizations reconciled at once (`--max-concurrent-orgs`). */
  maxConcurrentOrgs: number;
  /** The first retry delay of a failing source or organization (doubling, capped at the interval). */
  minBackoffMs?: number;
  random?: () => number;
  /** False on a standby: it reads and writes nothing (default: always leads). */
  isLeader?: () => boolean;
  /** The options of each organization's reconcile, asked when it starts (suspend, signal…). */
  reconcileOptions: () => Omit<ReconcileOptions, "orgs" | "now">;
  /** A source pass that stopped before any organization: unreadable or invalid. */
  onSourceStopped?(
    result: ReconcileResult,
    decision: Decision,
    trigger: string,
    seconds: number,
  ): void;
  /** One organization's reconcile is done (or found it no longer declared). */
  onOrg?(event: OrgEvent): Promise<void> | void;
  /** Each step applied (or failed), with the revision it came from. */
  onStepDone?(org: string, revision: string, result: StepResult): void;
  /** Interrupted writes were journaled before an org was planned (apply/recover-intents.ts). */
  onRecovered?(report: RecoveryReport): void;
  /** A source pass or an org's reconcile threw (a bug): it is retried with backoff. */
  onCrash?(error: unknown, org?: string): void;
}

export interface OrgEvent {
  org: string;
  /** Orgs absent from it were not declared at that revision. */
  result: ReconcileResult;
  decision: Decision;
  /** What asked for this reconcile: the source pass's trigger, `retry` or `expiry`. */
  trigger: string;
  seconds: number;
}

/**
 * Folder and Git mode on the controller core: a source pass (at start, every interval with
 * jitter, at once on a trigger) reads and validates the source once, not once per org, and queues
 * every organization — those declared, and those the revision before declared, so a deleted one
 * is reported as left alone — in the per-organization work queue. Each org is then reconciled
 * alone against the loaded revision and decided by decideOrg, as in Kubernetes mode: a failing
 * backend backs off only its org, a stalled org waits for the next revision or interval, and an
 * org comes back at its next declared expiry.
 */
export class SourceController {
  private readonly loop: ControllerLoop;
  private readonly queue: WorkQueue;
  private loaded: LoadedSource | undefined;
  private declared = new Set<string>();
  /** Declared by some revision this process loaded, until seen undeclared once. */
  private readonly known = new Set<string>();
  /** Why each queued org was queued, for its log lines. */
  private readonly reasons = new Map<string, string>();
  /** Orgs whose latest reconcile decided ok. */
  private readonly settled = new Set<string>();

  constructor(private readonly options: SourceControllerOptions) {
    const minBackoffMs = options.minBackoffMs ?? 1000;
    this.queue = new WorkQueue((org) => this.reconcileOrg(org), {
      concurrency: options.maxConcurrentOrgs,
      baseDelayMs: minBackoffMs,
      maxDelayMs: options.intervalMs,
      ...(options.random ? { random: options.random } : {}),
      onError: (org, error) => {
        this.settled.delete(org);
        this.reasons.set(org, "retry");
        options.onCrash?.(error, org);
      },
    });
    this.loop = new ControllerLoop({
      intervalMs: options.intervalMs,
      minBackoffMs,
      ...(options.jitter === undefined ? {} : { jitter: options.jitter }),
      ...(options.random ? { random: options.random } : {}),
      pass: (trigger) => this.sourcePass(trigger),
      onCrash: (error) => options.onCrash?.(error),
    });
  }

  start(): void {
    this.queue.start();
    this.loop.start();
  }

  /** Asks for a source pass now (a webhook, a new leader); false once stopping. */
  trigger(reason: string): boolean {
    return this.loop.trigger(reason);
  }

  /** Stops passes, then waits for the organizations in flight (no new step starts: see signal). */
  async stop(): Promise<void> {
    await this.loop.stop();
    await this.queue.stop();
  }

  /** True while a revision is loaded and every org it declares last decided ok. */
  inSync(): boolean {
    return this.loaded !== undefined && [...this.declared].every((org) => this.settled.has(org));
  }

  /** Resolves when no organization is queued or being reconciled (delayed ones do not count). */
  whenIdle(): Promise<void> {
    return this.queue.whenIdle();
  }

  private async sourcePass(trigger: string): Promise<PassOutcome> {
    if (this.options.isLeader && !this.options.isLeader()) return "ok";
    const started = performance.now();
    const read = await loadSource(this.options.deps, new Date());
    if ("stopped" in read) {
      // Nothing is written while the source is unreadable or invalid: the retries and expiry
      // wake-ups still queued find no revision and end; the next good pass queues every org.
      this.loaded = undefined;
      const decision = decideSource(read.stopped) ?? { kind: "ok" };
      const seconds = (performance.now() - started) / 1000;
      this.options.onSourceStopped?.(read.stopped, decision, trigger, seconds);
      // Invalid resources wait for the next revision or interval: never a hot retry.
      return decision.kind === "requeue" ? "retry" : "ok";
    }
    if (read.loaded.desired.organizations.length === 0) {
      // Load refuses an empty source; should a revision still declare no organization, the
      // planner's safety check refuses it here (never "remove everyone"), and it waits.
      const result = await reconcileLoaded(this.options.deps, read.loaded, {
        ...this.options.reconcileOptions(),
        dryRun: true,
      });
      const seconds = (performance.now() - started) / 1000;
      this.options.onSourceStopped?.(result, emptySourceDecision(result), trigger, seconds);
      return "ok";
    }
    this.loaded = read.loaded;
    this.declared = new Set(read.loaded.desired.organizations.map((o) => o.name));
    const keys = [...this.declared];
    for (const org of this.known) if (!this.declared.has(org)) keys.push(org);
    for (const org of this.declared) this.known.add(org);
    for (const org of keys.sort()) {
      this.reasons.set(org, trigger);
      this.queue.add(org);
    }
    return "ok";
  }

  private async reconcileOrg(org: string): Promise<WorkOutcome> {
    const trigger = this.reasons.get(org) ?? "resync";
    this.reasons.delete(org);
    const loaded = this.loaded;
    if (!loaded || (this.options.isLeader && !this.options.isLeader())) return { kind: "done" };
    const { revision } = loaded.desired;
    const started = performance.now();
    const now = new Date();
    let result: ReconcileResult;
    if (this.declared.has(org)) {
      result = await reconcileLoaded(
        {
          ...this.options.deps,
          observer: {
            onStepDone: (o, r) => this.options.onStepDone?.(o, revision, r),
            onRecovered: (report) => this.options.onRecovered?.(report),
          },
        },
        loaded,
        { ...this.options.reconcileOptions(), orgs: [org], now },
      );
    } else {
      // No longer declared: reported once, left alone in the backend (never emptied by omission).
      this.known.delete(org);
      result = { revision, issues: loaded.issues, orgs: [] };
    }
    const { decision } = decideOrg(org, result);
    if (decision.kind === "ok") this.settled.add(org);
    else this.settled.delete(org);
    const seconds = (performance.now() - started) / 1000;
    await this.options.onOrg?.({ org, result, decision, trigger, seconds });
    return this.nextWork(org, decision, result, now);
  }

  private nextWork(
    org: string,
    decision: Decision,
    result: ReconcileResult,
    now: Date,
  ): WorkOutcome {
    const outcome = workOutcome(decision);
    const wakeMs = this.declared.has(org)
      ? expiryWakeMs(result.nextExpiry, now.getTime())
      : undefined;
    // A source pass during this reconcile queued the org again: its trigger names the next one.
    if (!this.reasons.has(org)) {
      if (outcome.kind !== "done") this.reasons.set(org, "retry");
      else if (wakeMs !== undefined) this.reasons.set(org, "expiry");
    }
    if (wakeMs === undefined) return outcome;
    if (outcome.kind === "done") return { kind: "after", ms: wakeMs };
    // Backing off: the expiry still wakes the org when it comes first.
    this.queue.addAfter(org, wakeMs);
    return outcome;
  }
}

/** The planner's refusal of an empty source, as a stall (a human must fix the source). */
function emptySourceDecision(result: ReconcileResult): Decision {
  const refusals = result.plan?.safety.refusals ?? [];
  const message = refusals.map((r) => r.message).join("; ") || "the source declares nothing";
  return { kind: "stalled", reason: "Refused", message };
}
