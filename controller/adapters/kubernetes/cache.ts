import type {
  Informer,
  KubernetesListObject,
  KubernetesObject,
  ObjectCache,
} from "@kubernetes/client-node";
import { ListWatch } from "@kubernetes/client-node";
import { BoundedWatch } from "./bounded-watch.js";
import { withSignal } from "./request-options.js";
import type { KubeClients } from "./client.js";
import { GROUP, VERSION } from "./constants.js";
import type { RosterKind, RosterObject, RosterObjectList } from "./objects.js";
import { PLURALS, asRosterObject } from "./objects.js";

export type ChangeType = "add" | "update" | "delete";

export interface RosterCacheOptions {
  /** One namespace, or undefined for all namespaces. */
  namespace?: string;
  onChange: (kind: RosterKind, object: RosterObject, type: ChangeType) => void;
  onError?: (kind: RosterKind, error: unknown) => void;
  /** Wait before re-listing after a failed list or watch (default 1 s). */
  restartDelayMs?: number;
  /** The server ends each watch after about this long (see bounded-watch.ts; default 300 s). */
  watchTimeoutSeconds?: number;
}

const KINDS: readonly RosterKind[] = ["Organization", "Member", "AccessReview"];

type RosterInformer = Informer<KubernetesObject> & ObjectCache<KubernetesObject>;

/**
 * Informers on Organization, Member and AccessReview: a list, then a watch from the list's
 * resourceVersion, with bookmarks and a server-side timeout (BoundedWatch). client-node's ListWatch re-watches by
 * itself when a stream ends and re-lists after 410 Gone (an expired resourceVersion);
 * on any other error it stops, so this restarts it after a delay (a fresh list). The cache
 * is what the controller reconciles from: it never reads the API server per reconcile.
 */
export class RosterCache {
  readonly stats = { lists: 0, restarts: 0 };
  private readonly informers: Record<RosterKind, RosterInformer>;
  private readonly listed = new Set<RosterKind>();
  private readonly syncWaiters: (() => void)[] = [];
  private stopped = true;
  /** Aborts the lists in flight on stop(): ListWatch can abort its watch, not its list. */
  private stopping = new AbortController();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly clients: KubeClients,
    private readonly options: RosterCacheOptions,
  ) {
    this.informers = {
      Organization: this.makeInformer("Organization"),
      Member: this.makeInformer("Member"),
      AccessReview: this.makeInformer("AccessReview"),
    };
  }

  /** Every kind listed at least once: the cache reflects the cluster. */
  get synced(): boolean {
    return this.listed.size === KINDS.length;
  }

  whenSynced(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.stopping = new AbortController();
    await Promise.all(KINDS.map((kind) => this.informers[kind].start()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all(KINDS.map((kind) => this.informers[kind].stop()));
  }

  organizations(): RosterObject[] {
    return this.informers.Organization.list().map(fromKube);
  }

  members(): RosterObject[] {
    return this.informers.Member.list().map(fromKube);
  }

  accessReviews(): RosterObject[] {
    return this.informers.AccessReview.list().map(fromKube);
  }

  private makeInformer(kind: RosterKind): RosterInformer {
    const { namespace } = this.options;
    const plural = PLURALS[kind];
    const path =
      namespace === undefined
        ? `/apis/${GROUP}/${VERSION}/${plural}`
        : `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${plural}`;
    const list = async () => {
      const custom = this.clients.custom;
      const options = withSignal(this.stopping.signal);
      const raw: unknown =
        namespace === undefined
          ? await custom.listCustomObjectForAllNamespaces(
              { group: GROUP, version: VERSION, plural },
              options,
            )
          : await custom.listNamespacedCustomObject(
              { group: GROUP, version: VERSION, namespace, plural },
              options,
            );
      const result = toList(raw);
      this.stats.lists++;
      // ListWatch fills its cache right after this promise settles: mark synced after that.
      setImmediate(() => this.markListed(kind));
      return result;
    };
    const watch = new BoundedWatch(this.clients.config, {
      timeoutSeconds: this.options.watchTimeoutSeconds,
      connectTimeoutMs: this.clients.requestTimeoutMs,
      stopSignal: () => this.stopping.signal,
    });
    const informer: RosterInformer = new ListWatch(path, watch, list, false);
    informer.on("add", (o) => this.options.onChange(kind, fromKube(o), "add"));
    informer.on("update", (o) => this.options.onChange(kind, fromKube(o), "update"));
    informer.on("delete", (o) => this.options.onChange(kind, fromKube(o), "delete"));
    informer.on("error", (error: unknown) => {
      if (this.stopped) return; // stop() aborts the watch, which reports as an error
      this.options.onError?.(kind, error);
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (this.stopped) return;
        this.stats.restarts++;
        informer.start().catch((e: unknown) => this.options.onError?.(kind, e));
      }, this.options.restartDelayMs ?? 1000);
      this.timers.add(timer);
    });
    return informer;
  }

  private markListed(kind: RosterKind): void {
    this.listed.add(kind);
    if (this.synced) for (const resolve of this.syncWaiters.splice(0)) resolve();
  }
}

/** Custom objects are served as plain JSON: timestamps stay strings, whatever the SDK types say. */
function fromKube(object: KubernetesObject): RosterObject {
  return object as unknown as RosterObject;
}

function toList(raw: unknown): KubernetesListObject<KubernetesObject> {
  const value = raw as Partial<RosterObjectList> | undefined;
  const items = (Array.isArray(value?.items) ? value.items : [])
    .map((o: unknown) => asRosterObject(o))
    .filter((o): o is RosterObject => o !== undefined);
  return {
    apiVersion: value?.apiVersion,
    kind: value?.kind,
    metadata: { resourceVersion: value?.metadata?.resourceVersion },
    items: items as unknown as KubernetesObject[],
  };
}
