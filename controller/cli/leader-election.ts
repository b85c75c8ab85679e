import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { IdentityBackend } from "../model/index.js";
import { UsageError } from "./errors.js";

/** The Lease flags, shared by `--source kubernetes` and `--leader-elect` (Git and folder mode). */
export interface LeaseFlags {
  kubeconfig?: string;
  leaseName: string;
  leaseNamespace?: string;
  leaseDuration: number;
  renewDeadline: number;
  retryPeriod: number;
  kubeApiTimeout: number;
  identity?: string;
}

export interface Leadership {
  readonly identity: string;
  /** True only while the Lease is held and its renew deadline is ahead (at each call). */
  isLeader(): boolean;
  /** Aborted when the current leadership term ends: no new step starts after that. */
  termSignal(): AbortSignal;
  /** The backend as this instance must use it: every write checks leadership when it is made. */
  gate(backend: IdentityBackend): IdentityBackend;
  /** True once the Lease was read: a standby that knows who leads is ready. */
  knowsHolder(): boolean;
  start(): void;
  /** Stops campaigning and hands the Lease back, within `timeoutMs`. */
  stop(timeoutMs: number): Promise<void>;
}

export interface LeadershipEvents {
  onStartedLeading(): void;
  onStoppedLeading(): void;
  onLog(message: string, fields: Record<string, unknown>): void;
}

/**
 * `roster run --leader-elect` on a Git or folder source: the same Lease code as Kubernetes mode
 * (adapters/kubernetes/leader-election.ts), so during a rollout the old and the new pod never
 * both write. The Kubernetes SDK is loaded only when asked for.
 */
export async function openLeadership(
  flags: LeaseFlags,
  env: NodeJS.ProcessEnv,
  events: LeadershipEvents,
): Promise<Leadership> {
  const [{ connectKube }, { LeaderElector }, { LeaderOnlyBackend }, { describeApiError }] =
    await Promise.all([
      import("../adapters/kubernetes/client.js"),
      import("../adapters/kubernetes/leader-election.js"),
      import("../adapters/kubernetes/leader-only-backend.js"),
      import("../adapters/kubernetes/api-errors.js"),
    ]);
  const inCluster = flags.kubeconfig === undefined && env.KUBERNETES_SERVICE_HOST !== undefined;
  let clients;
  try {
    clients = connectKube({
      kubeconfig: flags.kubeconfig,
      inCluster,
      requestTimeoutMs: flags.kubeApiTimeout,
    });
  } catch (error) {
    throw new UsageError(
      `--leader-elect needs the Kubernetes API: ${(error as Error).message} (pass --kubeconfig PATH or run in a pod)`,
    );
  }
  const home = inCluster
    ? readPodNamespace()
    : clients.config.getContextObject(clients.config.currentContext)?.namespace;
  const identity = flags.identity ?? `${hostname()}_${randomBytes(4).toString("hex")}`;
  let term = new AbortController();
  const elector = new LeaderElector({
    api: clients.coordination,
    name: flags.leaseName,
    namespace: flags.leaseNamespace ?? home ?? "default",
    identity,
    leaseDurationMs: flags.leaseDuration,
    renewDeadlineMs: flags.renewDeadline,
    retryPeriodMs: flags.retryPeriod,
    onStartedLeading: () => {
      term = new AbortController();
      events.onLog("started leading", { identity });
      events.onStartedLeading();
    },
    onStoppedLeading: () => {
      term.abort();
      events.onLog("stopped leading", { identity });
      events.onStoppedLeading();
    },
    onNewLeader: (holder) => events.onLog("lease holder", { holder: holder || "(none)" }),
    onError: (error) => events.onLog("leader election", { error: describeApiError(error) }),
  });
  return {
    identity,
    isLeader: () => elector.isLeader,
    termSignal: () => term.signal,
    gate: (backend) => new LeaderOnlyBackend(backend, () => elector.isLeader),
    knowsHolder: () => elector.observedHolder !== undefined,
    start: () => elector.start(),
    stop: (timeoutMs) => elector.stop({ release: true, timeoutMs }),
  };
}

const SERVICE_ACCOUNT_NAMESPACE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

/** The pod's namespace, from its service-account mount (undefined outside a pod). */
export function readPodNamespace(): string | undefined {
  try {
    return readFileSync(SERVICE_ACCOUNT_NAMESPACE, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}
