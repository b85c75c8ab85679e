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
  /** The clock, epoch ms (default Date.now). */
  now?: () => number;
  /**
   * An instant (epoch ms) at which a pass must run whatever the interval, asked after each pass:
   * the next declared expiry, so access ends at its instant and not up to an interval later.
   */
  nextWakeAt?: () => number | undefined;
  pass(trigger: string): Promise<PassOutcome>;
  /** Called when a pass throws (a bug, not a reported failure); the loop goes on with backoff. */
  onCrash?(error: unknown): void;
}

/**
 * The longest delay a Node timer keeps (2^31 − 1 ms, about 24.8 days): a longer one fires after
 * 1 ms, so `--interval 30d` would run a pass every millisecond against the backend.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

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
    if (outcome === "retry") {
      const base = (this.options.minBackoffMs ?? 1000) * 2 ** Math.max(0, this.failures - 1);
      return Math.min(intervalMs, base) * (0.5 + random() / 2);
    }
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
    const regular = this.nextDelayMs(outcome);
    const wakeAt = this.options.nextWakeAt?.();
    const now = (this.options.now ?? Date.now)();
    const delay = wakeDelayMs(regular, wakeAt, now);
    this.schedule(delay, delay < regular ? "expiry" : "interval");
  }
}

/**
 * The delay before the next pass: the regular one, or less when a wake-up instant comes first
 * (never negative: an instant already past runs a pass at once).
 */
export function wakeDelayMs(
  regularMs: number,
  wakeAtMs: number | undefined,
  nowMs: number,
): number {
  if (wakeAtMs === undefined) return regularMs;
  return Math.min(regularMs, Math.max(0, wakeAtMs - nowMs));
}
