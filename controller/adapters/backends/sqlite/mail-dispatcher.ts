import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { BackoffPolicy, InviteMessage, Mailer } from "../../../model/index.js";
import { BackendError, backoffDelay } from "../../../model/index.js";
import type { Claimer, ClaimedJob, FailedAttempt, MailJobs, UndeliveredMail } from "./mail-jobs.js";

/** One delivery attempt's result, for metrics and logs (never the message: it holds the token). */
export interface MailAttempt {
  org: string;
  email: string;
  result: "delivered" | "retry" | "failed";
  attempts: number;
  /** The error's kind, when it failed. */
  reason?: string;
}

export interface MailDispatcherOptions {
  now?: () => Date;
  random?: () => number;
  backoff?: Partial<Omit<BackoffPolicy, "random">>;
  /** How long a claim keeps other dispatchers off a job (covers the mailer's own timeouts). */
  leaseMs?: number;
  /** Messages in flight at once. */
  concurrency?: number;
  onAttempt?: (attempt: MailAttempt) => void;
}

export interface DrainReport {
  delivered: number;
  /** Open invitations whose mail is still pending or failed for good, after the wait. */
  undelivered: UndeliveredMail[];
  /** True when a signal ended the wait early. */
  interrupted: boolean;
}

// 2 s, 4 s, 8 s … capped at 5 min; additive jitter keeps every wait at least the exponential
// floor, so a busy apply never spins on a server that is down.
const DEFAULT_BACKOFF = {
  baseDelayMs: 2_000,
  maxDelayMs: 300_000,
  maxRetryAfterMs: 3_600_000,
  jitter: "additive",
} as const;
const DEFAULT_LEASE_MS = 120_000;

/**
 * Delivers the outbox (mail-jobs.ts): claims jobs, sends them through the mailer, and records
 * delivered, retry-at (transient errors, with capped backoff) or failed (permanent errors).
 * A job is marked delivered right after the server accepted it; a crash in between sends it
 * again with the same id, which the outbox mailer turns into a rewrite of the same file and
 * SMTP/Gmail into the same Message-ID.
 */
/** How often `drain` looks whether another process finished the sends it claimed. */
const CLAIM_POLL_MS = 100;

export class MailDispatcher {
  private readonly claimer: Claimer = localClaimer();
  private readonly now: () => Date;
  private readonly policy: BackoffPolicy;
  private readonly leaseMs: number;
  private readonly concurrency: number;
  private readonly inFlight = new Set<Promise<void>>();
  private loop: { stop: () => void; done: Promise<void> } | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly jobs: MailJobs,
    private readonly mailer: Mailer,
    private readonly options: MailDispatcherOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.policy = { ...DEFAULT_BACKOFF, ...options.backoff, random: options.random ?? Math.random };
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.concurrency = options.concurrency ?? 4;
  }

  get describe(): string {
    return this.mailer.describe;
  }

  /**
   * Sends one job now (right after its invitation committed). Undefined when the job is not
   * pending any more, or another dispatcher holds it.
   */
  async deliverJob(
    id: string,
  ): Promise<{ sent: true } | { sent: false; error: string } | undefined> {
    const [job] = this.jobs.claim(this.claimer, {
      limit: 1,
      leaseMs: this.leaseMs,
      onlyId: id,
      eager: true,
    });
    if (!job) return undefined;
    const failure = await this.track(this.send(job));
    return failure === undefined ? { sent: true } : { sent: false, error: failure.message };
  }

  /** One sweep over what is due (everything pending when `eager`); the count delivered. */
  async sweep(options: { eager?: boolean } = {}): Promise<number> {
    let delivered = 0;
    const tried = new Set<string>();
    for (;;) {
      const batch = this.jobs.claim(this.claimer, {
        limit: this.concurrency,
        leaseMs: this.leaseMs,
        eager: options.eager ?? false,
        exclude: tried,
      });
      if (batch.length === 0) return delivered;
      for (const job of batch) tried.add(job.id);
      const failures = await Promise.all(batch.map((job) => this.track(this.send(job))));
      delivered += failures.filter((f) => f === undefined).length;
    }
  }

  /**
   * What `apply` does before it exits: every pending job is tried at once, then retries that
   * come due within `waitMs` are waited for. The report says what is still undelivered.
   */
  async drain(options: { waitMs: number; signal?: AbortSignal }): Promise<DrainReport> {
    const deadline = this.now().getTime() + options.waitMs;
    let delivered = await this.sweep({ eager: true });
    for (;;) {
      await Promise.all(this.inFlight);
      // Another process (a second apply, the controller) is sending some: wait for its answer
      // rather than report those invitations as undelivered.
      const left = deadline - this.now().getTime();
      if (left > 0 && !options.signal?.aborted && this.jobs.claimedElsewhere(this.claimer) > 0) {
        await sleep(Math.min(CLAIM_POLL_MS, left), options.signal);
        delivered += await this.sweep();
        continue;
      }
      const next = this.jobs.nextAttemptAt();
      if (next === undefined || next.getTime() > deadline || options.signal?.aborted) break;
      await sleep(next.getTime() - this.now().getTime(), options.signal);
      delivered += await this.sweep();
    }
    return {
      delivered,
      undelivered: this.jobs.undelivered(),
      interrupted: options.signal?.aborted ?? false,
    };
  }

  /**
   * Delivers continuously (`roster serve`, `roster run`): at each due time, and every `pollMs`
   * for jobs other processes queued.
   */
  start(pollMs = 5_000): void {
    if (this.loop) return;
    let running = true;
    const done = (async () => {
      while (running) {
        try {
          await this.sweep();
        } catch {
          // A locked file or a closed store: the next round tries again.
        }
        if (!running) break;
        const next = safeNext(this.jobs);
        const wait =
          next === undefined ? pollMs : Math.min(pollMs, next.getTime() - this.now().getTime());
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(10, wait));
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    })();
    this.loop = {
      stop: () => {
        running = false;
        this.wake?.();
      },
      done,
    };
  }

  /** Stops the loop; the sends in flight finish first. */
  async stop(): Promise<void> {
    const loop = this.loop;
    this.loop = undefined;
    loop?.stop();
    await loop?.done;
    await Promise.all(this.inFlight);
  }

  private async track<T>(work: Promise<T>): Promise<T> {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(settled);
    try {
      return await work;
    } finally {
      this.inFlight.delete(settled);
    }
  }

  /** Sends one claimed job and records the outcome; the failure, or undefined when delivered. */
  private async send(job: ClaimedJob): Promise<FailedAttempt | undefined> {
    try {
      await this.mailer.sendInvite(job.message);
    } catch (error) {
      const failure = describeFailure(error, job.message);
      const delay =
        error instanceof BackendError && error.transient
          ? (backoffDelay(job.attempts, error.retryAfterSeconds, this.policy) ??
            this.policy.maxDelayMs)
          : undefined;
      if (delay === undefined) this.jobs.failed(job.id, failure);
      else this.jobs.retryAt(job.id, failure, new Date(this.now().getTime() + delay));
      this.report(job, delay === undefined ? "failed" : "retry", failure.kind);
      return failure;
    }
    this.jobs.delivered(job.id);
    this.report(job, "delivered");
    return undefined;
  }

  private report(job: ClaimedJob, result: MailAttempt["result"], reason?: string): void {
    this.options.onAttempt?.({
      org: job.org,
      email: job.email,
      result,
      attempts: job.attempts,
      ...(reason === undefined ? {} : { reason }),
    });
  }
}

/** A mailer may echo the message, and so the link and its token, in an error: never keep it. */
function describeFailure(error: unknown, message: InviteMessage): FailedAttempt {
  const raw = error instanceof Error ? error.message : String(error);
  const token = new URL(message.acceptUrl).searchParams.get("token");
  let text = raw.split(message.acceptUrl).join("[link]");
  if (token) text = text.split(token).join("[token]");
  return {
    kind: error instanceof BackendError ? error.code : "error",
    message: text.slice(0, 1000),
  };
}

function safeNext(jobs: MailJobs): Date | undefined {
  try {
    return jobs.nextAttemptAt();
  } catch {
    return undefined;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Claims are `host/pid/random`. A claim of a process of this host that no longer exists (a
 * kill -9 in the middle of a send) is released at once instead of after the lease.
 */
function localClaimer(): Claimer {
  const host = hostname();
  const id = `${host}/${process.pid}/${randomBytes(4).toString("hex")}`;
  return {
    id,
    alive(holder) {
      const [holderHost, pidText] = holder.split("/");
      const pid = Number(pidText);
      if (holderHost !== host || !Number.isInteger(pid) || pid === process.pid) return true;
      try {
        process.kill(pid, 0);
        return true;
      } catch (error) {
        return (error as NodeJS.ErrnoException).code !== "ESRCH";
      }
    },
  };
}
