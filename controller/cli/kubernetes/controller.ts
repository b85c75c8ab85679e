import type { RetryOptions } from "../../apply/index.js";
import type { ControllerState, IdentityBackend } from "../../model/index.js";
import { describeApiError } from "../../adapters/kubernetes/api-errors.js";
import type { ChangeType } from "../../adapters/kubernetes/cache.js";
import { RosterCache } from "../../adapters/kubernetes/cache.js";
import type { KubeClients } from "../../adapters/kubernetes/client.js";
import { EventRecorder } from "../../adapters/kubernetes/events.js";
import { LeaderElector } from "../../adapters/kubernetes/leader-election.js";
import { LeaderOnlyBackend } from "../../adapters/kubernetes/leader-only-backend.js";
import type { Logger } from "../../adapters/kubernetes/log.js";
import { silentLogger } from "../../adapters/kubernetes/log.js";
import type { RosterKind, RosterObject } from "../../adapters/kubernetes/objects.js";
import { memberOrg } from "../../adapters/kubernetes/objects.js";
import type { OrgReconcilerDeps } from "./org-reconciler.js";
import { reconcileOrg } from "./org-reconciler.js";
import { selectOrgObjects } from "../../adapters/kubernetes/org-objects.js";
import { StatusWriter } from "../../adapters/kubernetes/status-writer.js";
import { WorkQueue } from "../../reconcile/work-queue.js";

export interface LeaseOptions {
  name: string;
  namespace: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface KubernetesControllerOptions {
  clients: KubeClients;
  backend: IdentityBackend;
  state: ControllerState;
  /** The managed set of a backend without marks (`--state`); absent: unknown. */
  managedState?: ControllerState;
  /** One namespace, or undefined for all namespaces. */
  namespace?: string;
  /** This instance's name in the Lease and in Events (pod name + suffix). */
  identity: string;
  /** Organizations reconciled at once (default 4). */
  maxConcurrentOrgs?: number;
  /** Every org is reconciled again this often, catching backend-side changes (default 10 min). */
  resyncPeriodMs?: number;
  /** false: this instance always leads (a single replica, tests). */
  leaderElection: LeaseOptions | false;
  /** Steps in flight at once inside a phase. */
  concurrency?: number;
  retry?: RetryOptions;
  queue?: { baseDelayMs?: number; maxDelayMs?: number };
  onReconciled?: OrgReconcilerDeps["onReconciled"];
  onOrganizationGone?: OrgReconcilerDeps["onOrganizationGone"];
  cacheRestartDelayMs?: number;
  /** Watches are ended by the server after about this long (default 300 s). */
  watchTimeoutSeconds?: number;
  log?: Logger;
  /** The clock of expiries and review deadlines (tests inject it; default: the system's). */
  now?: () => Date;
}

/**
 * Kubernetes mode: informers fill a cache, changes enqueue their organization, and the leader
 * reconciles each queued org through the shared reconcile(). Standbys keep a warm cache and
 * take over when the Lease lapses. Only the leader writes — to the backend, to status, to
 * finalizers — and each write checks leadership when it is made.
 */
export class KubernetesController {
  readonly stats = { reconciles: 0, errors: 0 };
  private readonly cache: RosterCache;
  private readonly queue: WorkQueue;
  private readonly elector: LeaderElector | undefined;
  private readonly deps: OrgReconcilerDeps;
  private readonly log: Logger;
  private readonly fingerprints = new Map<string, string>();
  private readonly orgOf = new Map<string, string>();
  private resyncTimer: NodeJS.Timeout | undefined;
  private leading = false;
  /** Aborted when this leadership term ends: the executor starts no new step after that. */
  private term = new AbortController();
  private initialSyncDone = false;
  private running = false;

  constructor(private readonly options: KubernetesControllerOptions) {
    this.log = options.log ?? silentLogger;
    const isLeader = () => this.isLeader;
    this.cache = new RosterCache(options.clients, {
      namespace: options.namespace,
      onChange: (kind, object, type) => this.onChange(kind, object, type),
      onError: (kind, error) =>
        this.log.warn("watch failed; re-listing", { kind, error: describeApiError(error) }),
      restartDelayMs: options.cacheRestartDelayMs,
      watchTimeoutSeconds: options.watchTimeoutSeconds,
    });
    this.queue = new WorkQueue((org) => this.reconcile(org), {
      concurrency: options.maxConcurrentOrgs ?? 4,
      baseDelayMs: options.queue?.baseDelayMs,
      maxDelayMs: options.queue?.maxDelayMs,
      onError: (org, error) => {
        this.stats.errors++;
        this.log.error("reconcile failed", { org, error: describeApiError(error) });
      },
    });
    this.deps = {
      custom: options.clients.custom,
      backend: new LeaderOnlyBackend(options.backend, isLeader),
      state: options.state,
      ...(options.managedState ? { managedState: options.managedState } : {}),
      statusWriter: new StatusWriter(options.clients.custom, isLeader),
      events: new EventRecorder(
        options.clients.core,
        options.identity,
        (error) => this.log.warn("cannot record an event", { error: describeApiError(error) }),
        isLeader,
      ),
      isLeader,
      signal: () => this.term.signal,
      actor: `roster@${options.identity}`,
      log: this.log,
      concurrency: options.concurrency,
      retry: options.retry,
      onReconciled: options.onReconciled,
      onOrganizationGone: options.onOrganizationGone,
      ...(options.now ? { now: options.now } : {}),
    };
    if (options.leaderElection) {
      const lease = options.leaderElection;
      this.elector = new LeaderElector({
        api: options.clients.coordination,
        name: lease.name,
        namespace: lease.namespace,
        identity: options.identity,
        leaseDurationMs: lease.leaseDurationMs,
        renewDeadlineMs: lease.renewDeadlineMs,
        retryPeriodMs: lease.retryPeriodMs,
        onStartedLeading: () => this.startLeading(),
        onStoppedLeading: () => this.stopLeading(),
        onNewLeader: (holder) => this.log.info("lease holder", { holder: holder || "(none)" }),
        onError: (error) => this.log.warn("leader election", { error: describeApiError(error) }),
      });
    }
  }

  /**
   * Leadership at this instant: with a Lease, also the elector's own deadline check, so a leader
   * cut off from the API server stops writing at its renew deadline even before its
   * step-down callback has run.
   */
  get isLeader(): boolean {
    return this.leading && (this.elector?.isLeader ?? true);
  }

  /** Liveness: the process runs its loops. */
  get healthy(): boolean {
    return this.running;
  }

  /**
   * Readiness: the cache has listed every kind and leadership is known; the leader is ready once
   * its first pass over every organization is done.
   */
  get ready(): boolean {
    if (!this.running || !this.cache.synced) return false;
    if (this.leading) return this.initialSyncDone;
    return this.elector?.observedHolder !== undefined;
  }

  get cacheStats(): { lists: number; restarts: number } {
    return this.cache.stats;
  }

  get statusWrites(): number {
    return this.deps.statusWriter.writes;
  }

  async start(): Promise<void> {
    this.running = true;
    await this.cache.start();
    // Campaign only with a filled cache: a new leader's first pass must see every object.
    this.cache
      .whenSynced()
      .then(() => {
        if (!this.running) return;
        if (this.elector) this.elector.start();
        else this.startLeading();
      })
      .catch((error: unknown) => this.log.error("cache never synced", { error: String(error) }));
  }

  /**
   * Stops everything; a leader hands its Lease back unless `releaseLease` is false (a crash).
   * With `deadlineMs` (the rest of the pod's grace period) the reconciles in flight get what is
   * left of it but a moment to hand the Lease back; no new step starts once stopping began.
   */
  async stop(options: { releaseLease?: boolean; deadlineMs?: number } = {}): Promise<void> {
    const started = performance.now();
    const left = () => (options.deadlineMs ?? Infinity) - (performance.now() - started);
    this.running = false;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.term.abort();
    const drained = await boundedWait(this.queue.stop(), left() - LEASE_HANDBACK_MS);
    if (!drained) this.log.warn("stopping with reconciles still in flight: writes are now refused");
    await this.elector?.stop({
      release: options.releaseLease ?? true,
      timeoutMs: Math.max(1, left()),
    });
    this.leading = false;
    await boundedWait(this.cache.stop(), left());
  }

  /** Enqueues every organization the cache knows (leader only). */
  resync(): void {
    if (!this.leading) return;
    const keys = new Set<string>();
    for (const o of this.cache.organizations()) keys.add(o.metadata.name);
    for (const m of this.cache.members()) {
      const org = memberOrg(m);
      if (org) keys.add(org);
    }
    for (const key of [...keys].sort()) this.queue.add(key);
  }

  /** Resolves when no organization is queued or being reconciled (for tests and shutdown). */
  whenIdle(): Promise<void> {
    return this.queue.whenIdle();
  }

  private startLeading(): void {
    this.log.info("started leading", { identity: this.options.identity });
    this.term = new AbortController();
    this.leading = true;
    this.queue.start();
    this.resync();
    void this.queue.whenIdle().then(() => {
      if (this.leading) this.initialSyncDone = true;
    });
    const period = this.options.resyncPeriodMs ?? 10 * 60_000;
    this.resyncTimer = setInterval(() => this.resync(), period);
    this.resyncTimer.unref();
  }

  private stopLeading(): void {
    if (!this.leading) return;
    this.log.warn("stopped leading", { identity: this.options.identity });
    this.leading = false;
    this.term.abort();
    this.initialSyncDone = false;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    void this.queue.stop();
  }

  private async reconcile(org: string) {
    const { cache } = this;
    const objects = selectOrgObjects(
      org,
      cache.organizations(),
      cache.members(),
      cache.accessReviews(),
    );
    this.stats.reconciles++;
    const outcome = await reconcileOrg(this.deps, objects);
    this.log.info("reconciled", { org, next: outcome.kind });
    return outcome;
  }

  /**
   * Status writes and our own finalizer edits come back as watch events: only a new generation
   * (a spec edit), a deletion, or a move to another organization needs a reconcile.
   */
  private onChange(kind: RosterKind, object: RosterObject, type: ChangeType): void {
    const uid = `${kind}/${object.metadata.namespace ?? ""}/${object.metadata.name}`;
    const org = kind === "Organization" ? object.metadata.name : memberOrg(object);
    const fingerprint = `${object.metadata.generation ?? ""}|${object.metadata.deletionTimestamp ?? ""}|${org ?? ""}`;
    const previousOrg = this.orgOf.get(uid);
    if (type === "delete") {
      this.fingerprints.delete(uid);
      this.orgOf.delete(uid);
    } else {
      if (type === "update" && this.fingerprints.get(uid) === fingerprint) return;
      this.fingerprints.set(uid, fingerprint);
      if (org) this.orgOf.set(uid, org);
    }
    if (!this.leading) return;
    if (org) this.queue.add(org);
    if (previousOrg && previousOrg !== org) this.queue.add(previousOrg);
  }
}

/** Time kept back from draining so that a stopping leader can still hand its Lease back. */
const LEASE_HANDBACK_MS = 2_000;

/** True when `work` ended within `ms` (always waits without a finite bound). */
async function boundedWait(work: Promise<unknown>, ms: number): Promise<boolean> {
  if (ms === Infinity) {
    await work;
    return true;
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, Math.floor(ms)));
  });
  try {
    return await Promise.race([work.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
