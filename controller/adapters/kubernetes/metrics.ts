import { Counter, Gauge } from "prom-client";
import type { Registry } from "prom-client";
/** What Kubernetes mode's controller exposes to its metrics (cli/kubernetes/controller.ts). */
export interface KubernetesControllerStats {
  readonly isLeader: boolean;
  readonly ready: boolean;
  readonly stats: { reconciles: number; errors: number };
  readonly cacheStats: { lists: number };
  readonly statusWrites: number;
}

/**
 * Adds Kubernetes mode's own gauges and counters (leadership, cache lists, status writes) to the
 * controller's registry, next to the roster_sync_* metrics every mode exports.
 */
export function registerKubernetesMetrics(
  registry: Registry,
  controller: KubernetesControllerStats,
): void {
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  // The controller keeps plain numbers; each scrape copies them into Prometheus counters.
  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  gauge("roster_kubernetes_leader", "1 when this instance holds the Lease", () =>
    controller.isLeader ? 1 : 0,
  );
  gauge("roster_kubernetes_ready", "1 when /readyz answers ok", () => (controller.ready ? 1 : 0));
  counter(
    "roster_kubernetes_reconciles_total",
    "Organization reconciles run by this instance",
    () => controller.stats.reconciles,
  );
  counter(
    "roster_kubernetes_reconcile_errors_total",
    "Organization reconciles that threw",
    () => controller.stats.errors,
  );
  counter(
    "roster_kubernetes_cache_lists_total",
    "Full lists of Organization and Member, re-lists after a lost watch included",
    () => controller.cacheStats.lists,
  );
  counter(
    "roster_kubernetes_status_writes_total",
    "Status subresource patches written",
    () => controller.statusWrites,
  );
}
