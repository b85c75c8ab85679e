import type { CoordinationV1Api, V1Lease } from "@kubernetes/client-node";
import { apiStatusCode } from "./api-errors.js";
import { withSignal } from "./request-options.js";

export interface LeaderElectionOptions {
  api: CoordinationV1Api;
  name: string;
  namespace: string;
  /** Unique per instance: the pod name plus a random suffix. */
  identity: string;
  /** How long a lease stays valid without renewal (default 15 s, FACTS "Leases"). */
  leaseDurationMs?: number;
  /** The leader gives up when it could not renew for this long (default 10 s). */
  renewDeadlineMs?: number;
  /** Between attempts to acquire or renew (default 2 s). */
  retryPeriodMs?: number;
  onStartedLeading?: () => void;
  onStoppedLeading?: () => void;
  /** Called whenever the observed holder changes ("" when nobody holds the lease). */
  onNewLeader?: (identity: string) => void;
  onError?: (error: unknown) => void;
  /** Wall clock, for the times written into the Lease. */
  now?: () => Date;
  /** Monotonic milliseconds, for every deadline (a wall-clock jump must not extend leadership). */
  clock?: () => number;
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it
 * (@kubernetes/client-node has no helper): create the Lease or take it over with a replace
 * that carries the observed resourceVersion, so two candidates racing get one 409 Conflict.
 * A standby measures expiry on its own clock from when it last saw the record change, never
 * from the holder's renewTime, so clock skew between nodes cannot make it steal a live lease.
 *
 * Leadership cannot outlive the renew deadline, whatever the network does: this instance leads
 * until `sent + renewDeadline`, where `sent` is when its last successful renewal left (the
 * standby's clock starts no earlier than the server's write, and its wait is the longer lease
 * duration). Every Lease call is aborted when that deadline comes, and a timer steps down at the
 * deadline even while a call hangs; `isLeader` compares against the clock, so it is true only
 * while the deadline is ahead.
 */
export class LeaderElector {
  private leading = false;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private stepDownTimer: NodeJS.Timeout | undefined;
  private inFlight: AbortController | undefined;
  private observed: { holder: string; renewTime: string; durationMs: number } | undefined;
  private observedAt = 0;
  private leadingUntil = 0;
  private current: Promise<void> = Promise.resolve();
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly now: () => Date;
  private readonly clock: () => number;

  constructor(private readonly options: LeaderElectionOptions) {
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    this.now = options.now ?? (() => new Date());
    this.clock = options.clock ?? (() => performance.now());
    if (
      !(this.leaseDurationMs > this.renewDeadlineMs && this.renewDeadlineMs > this.retryPeriodMs)
    ) {
      throw new Error("leader election needs lease duration > renew deadline > retry period");
    }
  }

  /** True only while the renew deadline of the last successful renewal is ahead. */
  get isLeader(): boolean {
    return this.leading && this.clock() < this.leadingUntil;
  }

  /** Milliseconds of leadership left (0 when not leading): a write that needs longer may wait. */
  get remainingMs(): number {
    return this.isLeader ? this.leadingUntil - this.clock() : 0;
  }

  /** The holder last seen on the Lease ("" when free, undefined before the first read). */
  get observedHolder(): string | undefined {
    return this.observed?.holder;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /**
   * Stops campaigning; with `release`, a leader hands the Lease back so a standby need not wait.
   * Bounded: an attempt in flight is aborted, and the release has until the renew deadline.
   */
  async stop(options: { release: boolean; timeoutMs?: number } = { release: true }): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.inFlight?.abort(new Error("leader election stopped"));
    await this.current;
    const wasLeading = this.isLeader;
    if (this.stepDownTimer) clearTimeout(this.stepDownTimer);
    this.leadingUntil = 0;
    this.setLeading(false);
    if (wasLeading && options.release) await this.release(options.timeoutMs);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.current = this.tick().finally(() => this.schedule(this.retryPeriodMs));
    }, ms);
  }

  private async tick(): Promise<void> {
    const sent = this.clock();
    const abort = new AbortController();
    this.inFlight = abort;
    // A leader's calls may take only what is left of its deadline; a standby's, one deadline.
    const budget = this.leading ? this.leadingUntil - sent : this.renewDeadlineMs;
    const signal = AbortSignal.any([
      abort.signal,
      AbortSignal.timeout(Math.max(1, Math.floor(budget))),
    ]);
    try {
      if (await this.tryAcquireOrRenew(signal)) {
        this.renewed(sent);
        return;
      }
    } catch (error) {
      if (!this.stopped) this.options.onError?.(error);
    } finally {
      if (this.inFlight === abort) this.inFlight = undefined;
    }
    if (this.leading && this.observed && this.observed.holder !== this.options.identity) {
      this.stepDown();
    }
  }

  private renewed(sent: number): void {
    const until = sent + this.renewDeadlineMs;
    if (this.stopped || until <= this.clock()) return; // the answer came too late to count
    this.leadingUntil = until;
    if (this.stepDownTimer) clearTimeout(this.stepDownTimer);
    this.stepDownTimer = setTimeout(() => this.stepDown(), Math.ceil(until - this.clock()));
    this.setLeading(true);
  }

  // The renew deadline passed (or another holder was seen): stop leading now, and abort the
  // Lease call in flight, whose answer could not restore leadership anyway.
  private stepDown(): void {
    if (this.stepDownTimer) clearTimeout(this.stepDownTimer);
    this.stepDownTimer = undefined;
    this.leadingUntil = 0;
    this.inFlight?.abort(new Error("renew deadline passed"));
    this.setLeading(false);
  }

  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const { api, name, namespace, identity } = this.options;
    const now = this.now();
    const options = withSignal(signal);
    let lease: V1Lease;
    try {
      lease = await api.readNamespacedLease({ name, namespace }, options);
    } catch (error) {
      if (apiStatusCode(error) !== 404) throw error;
      const created = await api
        .createNamespacedLease(
          { namespace, body: this.leaseBody(name, namespace, undefined, now) },
          options,
        )
        .catch((e: unknown) => {
          if (apiStatusCode(e) === 409) return undefined; // another candidate created it first
          throw e;
        });
      if (created) this.observe(created);
      return created !== undefined;
    }
    this.observe(lease);
    const holder = lease.spec?.holderIdentity ?? "";
    const expired = this.clock() > this.observedAt + (this.observed?.durationMs ?? 0);
    if (holder !== "" && holder !== identity && !expired) return false;
    try {
      const replaced = await api.replaceNamespacedLease(
        { name, namespace, body: this.leaseBody(name, namespace, lease, now) },
        options,
      );
      this.observe(replaced);
      return true;
    } catch (error) {
      if (apiStatusCode(error) === 409) return false; // someone else renewed or took it
      throw error;
    }
  }

  private leaseBody(name: string, namespace: string, old: V1Lease | undefined, now: Date) {
    const mine = old?.spec?.holderIdentity === this.options.identity;
    const transitions = old?.spec?.leaseTransitions ?? 0;
    return {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name, namespace, resourceVersion: old?.metadata?.resourceVersion },
      spec: {
        holderIdentity: this.options.identity,
        leaseDurationSeconds: Math.max(1, Math.ceil(this.leaseDurationMs / 1000)),
        acquireTime: mine && old?.spec?.acquireTime ? old.spec.acquireTime : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: old && !mine ? transitions + 1 : transitions,
      },
    } as unknown as V1Lease;
  }

  private observe(lease: V1Lease): void {
    const holder = lease.spec?.holderIdentity ?? "";
    const renewTime = String(lease.spec?.renewTime ?? "");
    const durationMs = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
    const changed = this.observed?.holder !== holder || this.observed.renewTime !== renewTime;
    if (!changed) return;
    const holderChanged = this.observed?.holder !== holder;
    this.observed = { holder, renewTime, durationMs };
    this.observedAt = this.clock();
    if (holderChanged) this.options.onNewLeader?.(holder);
  }

  /** Clears holderIdentity so a standby takes over at its next attempt, not after the lease. */
  private async release(timeoutMs = this.renewDeadlineMs): Promise<void> {
    const { api, name, namespace } = this.options;
    const ms = Math.max(1, Math.floor(Math.min(timeoutMs, this.renewDeadlineMs)));
    const options = withSignal(AbortSignal.timeout(ms));
    try {
      const lease = await api.readNamespacedLease({ name, namespace }, options);
      if (lease.spec?.holderIdentity !== this.options.identity) return;
      const now = microTime(this.now());
      await api.replaceNamespacedLease(
        {
          name,
          namespace,
          body: {
            ...lease,
            spec: { ...lease.spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: now },
          } as unknown as V1Lease,
        },
        options,
      );
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  private setLeading(value: boolean): void {
    if (value === this.leading) return;
    this.leading = value;
    if (value) this.options.onStartedLeading?.();
    else this.options.onStoppedLeading?.();
  }
}

/** Lease times are MicroTime: RFC 3339 with exactly six fractional digits (FACTS "Leases"). */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
