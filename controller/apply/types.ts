import type { ControllerState, DesiredState } from "../model/index.js";
import type { ObservedState, Step } from "../plan/types.js";

/** The outcome of one step the executor ran (or did not run because a step it needs failed). */
export interface StepResult {
  step: Step;
  /**
   * `conflict`: the backend refused the write's precondition — someone else changed the record
   * since the snapshot. Nothing was written; the organization is observed and planned again.
   */
  result: "applied" | "noop" | "failed" | "conflict";
  error?: { message: string; transient: boolean; code?: string };
  /** Calls made to the backend: 0 when the step was skipped because a step it depends on failed. */
  attempts: number;
}

/** Capped exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"). */
export interface RetryOptions {
  /** Calls per step, the first included (default 5). */
  maxAttempts?: number;
  /** The first backoff ceiling in ms (default 200); it doubles per attempt. */
  baseDelayMs?: number;
  /** The ceiling never grows beyond this (default 10,000 ms). */
  maxDelayMs?: number;
  /**
   * A `Retry-After` longer than this is not waited for: the step fails as transient and the next
   * reconcile pass picks it up (default 60,000 ms).
   */
  maxRetryAfterMs?: number;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Injectable for tests: a number in [0, 1). */
  random?: () => number;
}

export interface ApplyOptions {
  /** The declared state the plan was made from: its emails join the managed set before any write. */
  desired: DesiredState;
  /** What was observed when planning: the before-state of each write, and who is still present. */
  observed: ObservedState;
  /**
   * Organizations to run and whose managed sets to keep. Default: every declared organization
   * that has an entry in `observed`. Steps of other organizations are not run.
   */
  orgs?: readonly string[];
  /**
   * Where the managed set lives for a backend without per-record marks (a Google group):
   * the explicit `--state` location. Undefined there means the memory is unknown.
   */
  managedState?: ControllerState;
  /** Steps in flight at once inside a phase (default 8). */
  concurrency?: number;
  retry?: RetryOptions;
  /** Recorded in the backend's audit events (default `roster`). */
  actor?: string;
  /** Aborted on shutdown: the steps in flight finish; steps not started yet fail as transient. */
  signal?: AbortSignal;
  /** Injectable clock for journal times. */
  now?: () => Date;
  onStepDone?: (result: StepResult, done: number, total: number) => void;
}
