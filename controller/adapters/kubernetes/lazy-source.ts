import type { DesiredStateSource, SourceSnapshot } from "../../model/index.js";

/**
 * `--source kubernetes[:NAMESPACE]` without the cost of @kubernetes/client-node (about a second
 * of CPU to import) for every command that never reads a cluster: the SDK is loaded on the
 * first read.
 */
export class LazyKubernetesSource implements DesiredStateSource {
  readonly describe: string;
  private inner: DesiredStateSource | undefined;

  constructor(
    private readonly namespace: string | undefined,
    private readonly inCluster: boolean,
  ) {
    this.describe = `kubernetes (${namespace === undefined ? "all namespaces" : `namespace ${namespace}`})`;
  }

  async read(): Promise<SourceSnapshot> {
    if (!this.inner) {
      const [{ connectKube }, { KubernetesSource }] = await Promise.all([
        import("./client.js"),
        import("./source.js"),
      ]);
      this.inner = new KubernetesSource(connectKube({ inCluster: this.inCluster }), this.namespace);
    }
    return this.inner.read();
  }
}
