import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BoundedWatch } from "../../controller/adapters/kubernetes/bounded-watch.js";
import type { KubeClients } from "../../controller/adapters/kubernetes/client.js";
import { connectKube, kubeConfigForServer } from "../../controller/adapters/kubernetes/client.js";
import { FakeKubeApiServer } from "../fakes/kube-api-server.js";
import { waitFor } from "./helpers.js";

const REVIEWS = "/apis/roster.workjet.io/v1alpha1/namespaces/team/accessreviews";
let server: FakeKubeApiServer;
let kube: KubeClients;

beforeEach(async () => {
  server = new FakeKubeApiServer();
  kube = connectKube({ config: kubeConfigForServer(await server.start(), "team", "cache") });
});
afterEach(async () => {
  await server.close();
});

describe("stopping the cache ends a watch that is still connecting", () => {
  it("aborts it at once, down to the socket, instead of keeping the process alive", async () => {
    // The connect deadline is far away: only the stop can end this watch in time.
    const stopping = new AbortController();
    const watch = new BoundedWatch(kube.config, {
      connectTimeoutMs: 60_000,
      stopSignal: () => stopping.signal,
    });
    server.hangNext("GET", "/accessreviews");
    const ended: unknown[] = [];
    const connecting = watch.watch(
      REVIEWS,
      {},
      () => {},
      (err) => ended.push(err),
    );
    await waitFor(() => server.hungRequests === 1, 5000, "the watch request held");
    const started = performance.now();
    stopping.abort();
    await connecting;
    expect(performance.now() - started).toBeLessThan(2000);
    expect(ended).toHaveLength(1);
    await waitFor(() => server.hungRequests === 0, 5000, "the held request closed");
  });

  it("does not open a watch asked for after the stop", async () => {
    const stopping = new AbortController();
    stopping.abort();
    const watch = new BoundedWatch(kube.config, { stopSignal: () => stopping.signal });
    const ended: unknown[] = [];
    await watch.watch(
      REVIEWS,
      {},
      () => {},
      (err) => ended.push(err),
    );
    expect(ended).toHaveLength(1);
    expect(server.watchCount).toBe(0);
  });
});
