import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
} from "@kubernetes/client-node";

export interface KubeClients {
  config: KubeConfig;
  custom: CustomObjectsApi;
  core: CoreV1Api;
  coordination: CoordinationV1Api;
  /** The API server URL, for logs. */
  server: string;
}

export interface KubeConnectOptions {
  /** `--kubeconfig PATH`; otherwise in-cluster when running in a pod, else the default chain. */
  kubeconfig?: string;
  /** True inside a pod (KUBERNETES_SERVICE_HOST set): the composition root decides. */
  inCluster?: boolean;
  /** A ready KubeConfig (tests build one with `loadFromOptions`). */
  config?: KubeConfig;
}

export function connectKube(options: KubeConnectOptions): KubeClients {
  let config = options.config;
  if (!config) {
    config = new KubeConfig();
    if (options.kubeconfig) config.loadFromFile(options.kubeconfig);
    else if (options.inCluster) config.loadFromCluster();
    else config.loadFromDefault();
  }
  const cluster = config.getCurrentCluster();
  if (!cluster) {
    throw new Error(
      "no Kubernetes cluster configured: pass --kubeconfig PATH, or run in a pod with a service account",
    );
  }
  return {
    config,
    custom: config.makeApiClient(CustomObjectsApi),
    core: config.makeApiClient(CoreV1Api),
    coordination: config.makeApiClient(CoordinationV1Api),
    server: cluster.server,
  };
}

/** A KubeConfig for a plain-HTTP API server URL (local fakes; `skipTLSVerify` lets http through). */
export function kubeConfigForServer(
  server: string,
  namespace = "default",
  token?: string,
): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: "local", server, skipTLSVerify: true }],
    users: [token === undefined ? { name: "local" } : { name: "local", token }],
    contexts: [{ name: "local", cluster: "local", user: "local", namespace }],
    currentContext: "local",
  });
  return config;
}
