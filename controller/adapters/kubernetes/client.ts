import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  ServerConfiguration,
  createConfiguration,
} from "@kubernetes/client-node";
import { timeoutMiddleware } from "./request-options.js";

export interface KubeClients {
  config: KubeConfig;
  custom: CustomObjectsApi;
  core: CoreV1Api;
  coordination: CoordinationV1Api;
  /** The API server URL, for logs. */
  server: string;
  /** The deadline of every ordinary call (watches have their own, see cache.ts). */
  requestTimeoutMs: number;
}

export interface KubeConnectOptions {
  /** `--kubeconfig PATH`; otherwise in-cluster when running in a pod, else the default chain. */
  kubeconfig?: string;
  /** True inside a pod (KUBERNETES_SERVICE_HOST set): the composition root decides. */
  inCluster?: boolean;
  /** A ready KubeConfig (tests build one with `loadFromOptions`). */
  config?: KubeConfig;
  /** Every API call is aborted after this long (default 30 s; `--kube-api-timeout`). */
  requestTimeoutMs?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

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
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  // makeApiClient's configuration plus a deadline: client-node 1.4 has none on ordinary calls,
  // so a stalled connection would hang a reconcile (or a Lease renewal) forever.
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: config },
    promiseMiddleware: [timeoutMiddleware(requestTimeoutMs)],
  });
  return {
    config,
    custom: new CustomObjectsApi(configuration),
    core: new CoreV1Api(configuration),
    coordination: new CoordinationV1Api(configuration),
    server: cluster.server,
    requestTimeoutMs,
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
