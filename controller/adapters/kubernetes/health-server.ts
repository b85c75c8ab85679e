import type { Server } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Gauge, Registry } from "prom-client";
import type { KubernetesController } from "./controller.js";

export interface HealthServer {
  /** `http://HOST:PORT` actually bound (port 0 picks a free one). */
  url: string;
  close(): Promise<void>;
}

/**
 * `/healthz` (liveness: the loops run), `/readyz` (the cache is synced, leadership is known and
 * a leader finished its first pass) and `/metrics` (Prometheus text) for the kubelet's probes
 * and for scraping, on plain node:http.
 */
export async function startHealthServer(
  controller: KubernetesController,
  listen: { host: string; port: number },
): Promise<HealthServer> {
  const registry = metricsRegistry(controller);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const answer = (ok: boolean, text: string) => {
      res.writeHead(ok ? 200 : 503, { "content-type": "text/plain; charset=utf-8" });
      res.end(`${text}\n`);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return answer(false, "method not allowed");
    if (path === "/healthz")
      return answer(controller.healthy, controller.healthy ? "ok" : "stopped");
    if (path === "/readyz") return answer(controller.ready, controller.ready ? "ok" : "not ready");
    if (path === "/metrics") {
      registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { "content-type": registry.contentType });
          res.end(text);
        })
        .catch((error: unknown) => answer(false, String(error)));
      return;
    }
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
    res.end("not found\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function metricsRegistry(controller: KubernetesController): Registry {
  const registry = new Registry();
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
  return registry;
}
