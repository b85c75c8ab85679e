import type {
  ControllerState,
  DesiredStateSource,
  IdentityBackend,
  Issue,
} from "../model/index.js";
import type { Plan } from "../plan/types.js";
import type { RetryOptions, StepResult } from "../apply/types.js";
import type { RecoveryOptions, RecoveryReport } from "../apply/recover-intents.js";

// StepResult lives with the executor that produces it (apply must not import reconcile).
export type { StepResult } from "../apply/types.js";

/** Per-organization outcome of one reconcile pass. */
export interface OrgReconcileResult {
  org: string;
  /**
   * - `synced`: every step applied (or there was nothing to do);
   * - `partial`: some steps failed, the rest went on;
   * - `refused`: the safety verdict refused the plan, nothing applied (needs a human);
   * - `failed`: the org could not be observed (backend read failed), nothing applied;
   * - `dryRun`: planned only (`plan`, `--suspend`).
   */
  status: "synced" | "partial" | "refused" | "failed" | "dryRun";
  plan?: Plan;
  results: StepResult[];
  error?: { message: string; transient: boolean };
}

export interface ReconcileResult {
  revision?: string;
  /** Validation issues of the source; any error means zero writes for every org. */
  issues: Issue[];
  /** Set when the source could not be read or validated: nothing was planned or applied. */
  sourceError?: { message: string; transient: boolean };
  orgs: OrgReconcileResult[];
  /**
   * The whole plan of the pass (every observed org), as `roster plan` renders it. Absent when the
   * source could not be read or validated. Refusals that name no org (an empty source) are here.
   */
  plan?: Plan;
  /**
   * The earliest declared `expiresAt` after this pass's clock: the controller runs a pass at
   * that instant, whatever its interval.
   */
  nextExpiry?: string;
  /** Per organization with `spec.reviews.every`: when its next access review is due. */
  reviewsDue?: ReviewDueAt[];
}

/**
 * When an organization's next access review is due (`spec.reviews.every` after the latest
 * AccessReview's `reviewedAt`; the pass's clock when none was ever recorded).
 */
export interface ReviewDueAt {
  org: string;
  /** UTC ISO 8601. */
  dueAt: string;
  everySeconds: number;
  /** The latest AccessReview's `reviewedAt` and reviewer, when there is one. */
  latest?: string;
  reviewer?: string;
}

/** Progress callbacks for long applies (CLI progress line, logs, metrics, Kubernetes events). */
export interface ReconcileObserver {
  /** The source is loaded: its revision and validation issues, before anything is planned. */
  onLoaded?(revision: string, issues: readonly Issue[]): void;
  onStepDone?(org: string, result: StepResult, done: number, total: number): void;
  /** Intents of interrupted writes were resolved before planning (apply/recover-intents.ts). */
  onRecovered?(report: RecoveryReport): void;
}

export interface ReconcileDeps {
  source: DesiredStateSource;
  backend: IdentityBackend;
  /** The journal (and, through `managedState`, the memory for a backend without marks). */
  state: ControllerState;
  /**
   * Where the managed set lives when the backend keeps no per-record marks (`--state`); absent
   * there, removals by memory are unknown and the plan says so.
   */
  managedState?: ControllerState;
  observer?: ReconcileObserver;
}

export interface ReconcileOptions {
  /** Plan only: no writes, managed sets untouched (`roster plan`, `roster run --suspend`). */
  dryRun: boolean;
  maxRemovalsOverride?: number;
  /** Steps in flight at once inside a phase (default 8). */
  concurrency?: number;
  /** Limit the pass to these organizations (the Kubernetes work queue reconciles one at a time). */
  orgs?: string[];
  /** Actor recorded in audit events (default `roster`). */
  actor?: string;
  /**
   * Asked once the plan is known and safe, before the first write (`roster apply` shows the plan
   * and asks the user). Answering false ends the pass with every org `dryRun`: nothing applied.
   */
  confirm?: (plan: Plan) => Promise<boolean>;
  /** Retry policy of the executor (tests inject sleep and random). */
  retry?: RetryOptions;
  /** Aborted on shutdown (SIGTERM): steps in flight finish, no new step starts. */
  signal?: AbortSignal;
  /** The pass's clock for declared expiries (default: the time the pass starts). */
  now?: Date;
  /** How interrupted writes are recovered (tests inject the writer's liveness and the clock). */
  recovery?: Omit<RecoveryOptions, "orgs">;
}
