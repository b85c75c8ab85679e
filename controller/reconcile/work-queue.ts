import { MAX_TIMER_MS, retryDelayMs } from "./loop.js";

/**
 * What a handler asks for after processing a key: `done` forgets its failure count,
 * `retry` requeues with the key's exponential backoff, `after` requeues after a fixed delay.
 */
export type WorkOutcome = { kind: "done" } | { kind: "retry" } | { kind: "after"; ms: number };

export interface WorkQueueOptions {
  /** Keys processed at once (`--max-concurrent-orgs`); one key is never processed twice at once. */
  concurrency: number;
  /** First retry delay; doubles per consecutive failure of the same key (client-go: 5 ms). */
  baseDelayMs?: number;
  /** The ceiling of that backoff (client-go: 1000 s). */
  maxDelayMs?: number;
  /** A number in [0, 1): the jitter of the backoff (tests inject it). */
  random?: () => number;
  /** Called when the handler throws; the key is then retried with backoff. */
  onError?: (key: string, error: unknown) => void;
}

/**
 * A work queue keyed by organization, modelled on client-go's rate-limited workqueue: a key
 * added many times while waiting is processed once; a key added while being processed is
 * processed again afterwards (never concurrently); failures back off per key.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly idleWaiters: (() => void)[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private running = false;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(
    private readonly handler: (key: string) => Promise<WorkOutcome>,
    private readonly options: WorkQueueOptions,
  ) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new Error(`concurrency must be a positive integer, got ${options.concurrency}`);
    }
    this.baseDelayMs = options.baseDelayMs ?? 5;
    this.maxDelayMs = options.maxDelayMs ?? 1_000_000;
  }

  add(key: string): void {
    if (this.dirty.has(key)) return;
    this.dirty.add(key);
    if (!this.processing.has(key)) this.queue.push(key);
    this.pump();
  }

  /** Adds the key after `ms`; of several pending delays for one key the earliest wins. */
  addAfter(key: string, ms: number): void {
    if (ms <= 0) return this.add(key);
    const at = Date.now() + ms;
    const pending = this.timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    // A longer Node timer fires after 1 ms (an expiry a month ahead would spin): waking early is
    // harmless, the handler asks for the rest again.
    const timer = setTimeout(
      () => {
        this.timers.delete(key);
        this.add(key);
      },
      Math.min(ms, MAX_TIMER_MS),
    );
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  /**
   * The delay the next failure of `key` waits: base · 2^failures plus up to a base of jitter,
   * capped (the controller core's one formula, loop.ts retryDelayMs).
   */
  backoffFor(key: string): number {
    return retryDelayMs((this.failures.get(key) ?? 0) + 1, this.maxDelayMs, {
      minBackoffMs: this.baseDelayMs,
      random: this.options.random,
    });
  }

  failureCount(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  get length(): number {
    return this.queue.length;
  }

  start(): void {
    this.running = true;
    this.pump();
  }

  /** Stops taking keys, drops delayed ones, and waits for the keys in progress. */
  async stop(): Promise<void> {
    this.running = false;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.all([...this.inFlight]);
  }

  /** Resolves when nothing is queued or processing (delayed keys do not count). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return this.processing.size === 0 && (this.queue.length === 0 || !this.running);
  }

  private pump(): void {
    while (this.running && this.processing.size < this.options.concurrency) {
      const key = this.queue.shift();
      if (key === undefined) break;
      this.dirty.delete(key);
      this.processing.add(key);
      const run = this.process(key);
      this.inFlight.add(run);
      void run.finally(() => this.inFlight.delete(run));
    }
    if (this.isIdle()) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private async process(key: string): Promise<void> {
    let outcome: WorkOutcome;
    try {
      outcome = await this.handler(key);
    } catch (error) {
      this.options.onError?.(key, error);
      outcome = { kind: "retry" };
    }
    this.processing.delete(key);
    if (outcome.kind === "retry") {
      const delay = this.backoffFor(key);
      this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
      if (this.running) this.addAfter(key, delay);
    } else {
      this.failures.delete(key);
      if (outcome.kind === "after" && this.running) this.addAfter(key, outcome.ms);
    }
    // Added again while it was processing: it goes back in line now that it is free.
    if (this.dirty.has(key)) this.queue.push(key);
    this.pump();
  }
}
