import type { CoordinationV1Api, V1Lease } from "@kubernetes/client-node";
import { apiStatusCode } from "./api-errors.js";

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
  now?: () => Date;
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it
 * (@kubernetes/client-node has no helper): create the Lease or take it over with a replace
 * that carries the observed resourceVersion, so two candidates racing get one 409 Conflict.
 * A standby measures expiry on its own clock from when it last saw the record change, never
 * from the holder's renewTime, so clock skew between nodes cannot make it steal a live lease.
 */
export class LeaderElector {
  private leading = false;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private observed: { holder: string; renewTime: string; durationMs: number } | undefined;
  private observedAt = 0;
  private lastRenew = 0;
  private current: Promise<void> = Promise.resolve();
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly now: () => Date;

  constructor(private readonly options: LeaderElectionOptions) {
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    this.now = options.now ?? (() => new Date());
    if (
      !(this.leaseDurationMs > this.renewDeadlineMs && this.renewDeadlineMs > this.retryPeriodMs)
    ) {
      throw new Error("leader election needs lease duration > renew deadline > retry period");
    }
  }

  get isLeader(): boolean {
    return this.leading;
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

  /** Stops campaigning; with `release`, a leader hands the Lease back so a standby need not wait. */
  async stop(options: { release: boolean } = { release: true }): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.current;
    if (this.leading && options.release) await this.release();
    this.setLeading(false);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.current = this.tick().finally(() => this.schedule(this.retryPeriodMs));
    }, ms);
  }

  private async tick(): Promise<void> {
    try {
      if (await this.tryAcquireOrRenew()) {
        this.lastRenew = this.now().getTime();
        this.setLeading(true);
        return;
      }
    } catch (error) {
      this.options.onError?.(error);
    }
    // A leader that cannot renew keeps leading until the renew deadline: a blip in the API
    // server must not stop every write, but past the deadline a standby may already lead.
    if (this.leading && this.now().getTime() - this.lastRenew >= this.renewDeadlineMs) {
      this.setLeading(false);
    } else if (this.leading && this.observed && this.observed.holder !== this.options.identity) {
      this.setLeading(false);
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { api, name, namespace, identity } = this.options;
    const now = this.now();
    let lease: V1Lease;
    try {
      lease = await api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (apiStatusCode(error) !== 404) throw error;
      const created = await api
        .createNamespacedLease({ namespace, body: this.leaseBody(name, namespace, undefined, now) })
        .catch((e: unknown) => {
          if (apiStatusCode(e) === 409) return undefined; // another candidate created it first
          throw e;
        });
      if (created) this.observe(created, now);
      return created !== undefined;
    }
    this.observe(lease, now);
    const holder = lease.spec?.holderIdentity ?? "";
    const expired = now.getTime() > this.observedAt + (this.observed?.durationMs ?? 0);
    if (holder !== "" && holder !== identity && !expired) return false;
    try {
      const replaced = await api.replaceNamespacedLease({
        name,
        namespace,
        body: this.leaseBody(name, namespace, lease, now),
      });
      this.observe(replaced, now);
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

  private observe(lease: V1Lease, now: Date): void {
    const holder = lease.spec?.holderIdentity ?? "";
    const renewTime = String(lease.spec?.renewTime ?? "");
    const durationMs = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
    const changed = this.observed?.holder !== holder || this.observed.renewTime !== renewTime;
    if (!changed) return;
    const holderChanged = this.observed?.holder !== holder;
    this.observed = { holder, renewTime, durationMs };
    this.observedAt = now.getTime();
    if (holderChanged) this.options.onNewLeader?.(holder);
  }

  private async release(): Promise<void> {
    const { api, name, namespace } = this.options;
    try {
      const lease = await api.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== this.options.identity) return;
      const now = microTime(this.now());
      await api.replaceNamespacedLease({
        name,
        namespace,
        body: {
          ...lease,
          spec: { ...lease.spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: now },
        } as unknown as V1Lease,
      });
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
