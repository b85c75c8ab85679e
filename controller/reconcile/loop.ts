import { backoffDelay } from "../model/index.js";

/** What one pass asks of the loop: come back at the regular interval, or sooner with backoff. */
export type PassOutcome = "ok" | "retry";

export interface LoopOptions {
  /** The regular poll interval (also the full resync that repairs drift made out of band). */
  intervalMs: number;
  /** ± fraction of the interval, so many controllers don't poll a Git host in lockstep (0.1). */
  jitter?: number;
  /** The first retry delay after a failed pass; it doubles per consecutive failure (1,000 ms). */
  minBackoffMs?: number;
  random?: () => number;
  pass(trigger: string): Promise<PassOutcome>;
  /** Called when a pass throws (a bug, not a reported failure); the loop goes on with backoff. */
  onCrash?(error: unknown): void;
}

/**
 * The longest delay a Node timer keeps (2^31 − 1 ms, about 24.8 days): a longer one fires after
 * 1 ms, so `--interval 30d` would run a pass every millisecond against the backend.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs passes one at a time: at start, at every interval (with jitter), at once when triggered
 * (a webhook), and sooner with exponential backoff (capped at the interval) after a failure.
 * A trigger during a pass runs one more pass right after it; stop() waits for the pass in flight.
 */
export class ControllerLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private pendingTrigger: string | undefined;
  private failures = 0;
  private stopped = false;

  constructor(private readonly options: LoopOptions) {}

  start(): void {
    this.schedule(0, "start");
  }

  /** Asks for a pass now; returns false when the loop is stopping. */
  trigger(reason: string): boolean {
    if (this.stopped) return false;
    if (this.running) this.pendingTrigger = reason;
    else this.schedule(0, reason);
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** The delay before the next regular pass, exposed for tests. */
  nextDelayMs(outcome: PassOutcome): number {
    const { intervalMs } = this.options;
    const random = this.options.random ?? Math.random;
    if (outcome === "retry") return retryDelayMs(this.failures, intervalMs, this.options);
    const jitter = this.options.jitter ?? 0.1;
    return intervalMs * (1 - jitter + 2 * jitter * random());
  }

  private schedule(delayMs: number, reason: string): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.running = this.runOnce(reason).finally(() => {
          this.running = undefined;
        });
      },
      Math.min(delayMs, MAX_TIMER_MS),
    );
  }

  private async runOnce(reason: string): Promise<void> {
    let outcome: PassOutcome;
    try {
      outcome = await this.options.pass(reason);
    } catch (error) {
      this.options.onCrash?.(error);
      outcome = "retry";
    }
    this.failures = outcome === "retry" ? this.failures + 1 : 0;
    const pending = this.pendingTrigger;
    this.pendingTrigger = undefined;
    if (pending !== undefined) {
      this.schedule(0, pending);
      return;
    }
    this.schedule(this.nextDelayMs(outcome), outcome === "retry" ? "retry" : "interval");
  }
}

/**
 * The one retry-delay formula (model/backoff.ts) with `additive` jitter: failure n waits at least
 * base·2ⁿ⁻¹ and at most a base more, capped. Additive rather than full jitter because a controller's
 * retries must never come sooner than the previous ones (a backend that is down gets ever more
 * room), while the added part still keeps replicas and organizations that failed together from
 * coming back in lockstep. Shared by the source loop and the per-organization queue.
 */
export function retryDelayMs(
  failures: number,
  capMs: number,
  policy: { minBackoffMs?: number; random?: () => number },
): number {
  const delay = backoffDelay(Math.max(1, failures), undefined, {
    baseDelayMs: policy.minBackoffMs ?? 1000,
    maxDelayMs: capMs,
    maxRetryAfterMs: Infinity,
    random: policy.random ?? Math.random,
    jitter: "additive",
  });
  return delay ?? capMs;
}
