import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "../../adapters/kubernetes/log.js";
import { jsonLogger } from "../../adapters/kubernetes/log.js";
import { parseDuration } from "../../model/index.js";
import { durationOption } from "../duration-option.js";
import { DEFAULT_BACKEND_URI, openBackend } from "../backend-uri.js";
import { UsageError } from "../errors.js";
import { readPodNamespace } from "../leader-election.js";
import { parseListen } from "../listen.js";
import type { MailerFlags } from "../mailer-options.js";
import { addMailerOptions, mailerOpenOptions } from "../mailer-options.js";
import type { JournalKeyFlags } from "../journal-key.js";
import { journalKeyOption, positiveInteger } from "../reconcile-pass.js";
import type { Shutdown } from "../shutdown.js";
import { DEFAULT_SHUTDOWN_GRACE_MS, installShutdown } from "../shutdown.js";

export interface RunKubernetesOptions extends MailerFlags, JournalKeyFlags {
  namespace?: string;
  allNamespaces?: boolean;
  kubeconfig?: string;
  backend: string;
  /** API key for an http(s) backend (otherwise ROSTER_TOKEN). */
  tokenFile?: string;
  /** `--state sqlite:PATH` (backend-uri.ts). */
  state?: string;
  maxConcurrentOrgs: number;
  leaseName: string;
  leaseNamespace?: string;
  leaseDuration: number;
  renewDeadline: number;
  retryPeriod: number;
  resyncPeriod: number;
  kubeApiTimeout: number;
  watchTimeout: number;
  /** How long stopping may take after SIGTERM (`--shutdown-grace`). */
  shutdownGrace?: number;
  listen: { host: string; port: number };
  identity?: string;
}

/**
 * `roster run --source kubernetes`: the controller loop over Organization and Member resources
 * until SIGTERM/SIGINT. The handler is installed first, so a signal during start-up stops too;
 * stopping gives in-flight work the rest of `--shutdown-grace`, hands the Lease back, and
 * resolves (the process is made to exit when the grace period is over, whatever still runs).
 */
export async function runKubernetes(
  options: RunKubernetesOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const log = jsonLogger((line) => process.stderr.write(line));
  const shutdown = installShutdown({
    graceMs: options.shutdownGrace ?? DEFAULT_SHUTDOWN_GRACE_MS,
    log: (message, fields) => log.info(message, fields),
  });
  try {
    await startKubernetes(options, env, log, shutdown);
    await shutdown.received;
  } finally {
    await shutdown.finish();
  }
  log.info("stopped");
}

async function startKubernetes(
  options: RunKubernetesOptions,
  env: NodeJS.ProcessEnv,
  log: Logger,
  shutdown: Shutdown,
): Promise<void> {
  if (options.namespace !== undefined && options.allNamespaces) {
    throw new UsageError("use either --namespace NS or --all-namespaces, not both");
  }
  // Loaded here, not at the top: every other command would pay for importing the Kubernetes SDK.
  const [
    { connectKube },
    { KubernetesController },
    { registerKubernetesMetrics },
    { startControllerServer },
    { ControllerMetrics },
  ] = await Promise.all([
    import("../../adapters/kubernetes/client.js"),
    import("../kubernetes/controller.js"),
    import("../../adapters/kubernetes/metrics.js"),
    import("../../server/controller/controller-server.js"),
    import("../../server/controller/metrics.js"),
  ]);
  const inCluster = options.kubeconfig === undefined && env.KUBERNETES_SERVICE_HOST !== undefined;
  let clients;
  try {
    clients = connectKube({
      kubeconfig: options.kubeconfig,
      inCluster,
      requestTimeoutMs: options.kubeApiTimeout,
    });
  } catch (error) {
    const from = options.kubeconfig
      ? `--kubeconfig ${options.kubeconfig}`
      : "the cluster configuration";
    throw new UsageError(`cannot load ${from}: ${(error as Error).message}`);
  }
  const home = inCluster
    ? readPodNamespace()
    : clients.config.getContextObject(clients.config.currentContext)?.namespace;
  const namespace = options.allNamespaces ? undefined : (options.namespace ?? home ?? "default");
  const identity = options.identity ?? `${hostname()}_${randomBytes(4).toString("hex")}`;
  if (shutdown.signal.aborted) return;
  const metrics = new ControllerMetrics();
  const opened = await openBackend(options.backend, {
    tokenFile: options.tokenFile,
    ...(options.state === undefined ? {} : { stateUri: options.state }),
    ...journalKeyOption(options),
    ...mailerOpenOptions(options),
    onMailAttempt: (attempt) => metrics.recordMailAttempt(attempt),
  });
  shutdown.defer(() => opened.close());
  // With the embedded store, its invitation mail outbox is delivered continuously.
  const mail = opened.store?.mail;
  if (opened.store) {
    const store = opened.store;
    metrics.watchMail(() => store.undeliveredMail());
  }
  const controller = new KubernetesController({
    clients,
    backend: opened.backend,
    state: opened.state,
    ...(opened.managedState ? { managedState: opened.managedState } : {}),
    onReconciled: (result, seconds) => metrics.recordPass(result, seconds),
    onOrganizationGone: (org) => metrics.forgetOrg(org),
    namespace,
    identity,
    maxConcurrentOrgs: options.maxConcurrentOrgs,
    resyncPeriodMs: options.resyncPeriod,
    watchTimeoutSeconds: Math.max(1, Math.round(options.watchTimeout / 1000)),
    leaderElection: {
      name: options.leaseName,
      namespace: options.leaseNamespace ?? home ?? "default",
      leaseDurationMs: options.leaseDuration,
      renewDeadlineMs: options.renewDeadline,
      retryPeriodMs: options.retryPeriod,
    },
    log,
  });
  registerKubernetesMetrics(metrics.registry, controller);
  // The same endpoints and roster_sync_* metrics as `roster run` on a Git or folder source.
  const health = await startControllerServer({
    ...options.listen,
    registry: metrics.registry,
    isHealthy: () => controller.healthy,
    isReady: () => controller.ready,
  }).catch((error: unknown) => {
    const { host, port } = options.listen;
    throw new UsageError(`cannot listen on ${host}:${port}: ${(error as Error).message}`);
  });
  shutdown.defer(() => health.close());
  log.info("roster controller starting", {
    server: clients.server,
    namespace: namespace ?? "(all)",
    backend: opened.backend.describe,
    identity,
    listen: health.url,
  });
  shutdown.defer((deadlineMs) => controller.stop({ releaseLease: true, deadlineMs }));
  // The first lists may hang on an unreachable API server: a signal must not wait for them.
  await shutdown.race(controller.start());
  if (mail) {
    mail.start();
    shutdown.defer(() => mail.stop());
  }
}

/** `15s`, `2m`, `500ms` → milliseconds. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function durationMs(value: string): number {
  const ms = /^(\d+)ms$/.exec(value.trim());
  const seconds = ms ? Number(ms[1]) / 1000 : parseDuration(value);
  if (seconds === undefined || seconds <= 0) {
    throw new InvalidArgumentError("expected a duration such as 500ms, 15s, 2m or 1h");
  }
  // Node fires a longer timer or interval after 1 ms: a resync every millisecond.
  if (seconds * 1000 > MAX_TIMER_MS) {
    throw new InvalidArgumentError(`at most 24d (a Node timer holds no more), got "${value}"`);
  }
  return Math.round(seconds * 1000);
}

/** The flags only the Kubernetes mode of `roster run` has (`--source kubernetes[:NAMESPACE]`). */
export function addKubernetesOptions(command: Command): Command {
  return command
    .option(
      "--namespace <ns>",
      "kubernetes: watch one namespace (default: the pod's or the kubeconfig context's)",
    )
    .option("--all-namespaces", "kubernetes: watch every namespace")
    .option(
      "--kubeconfig <path>",
      "kubernetes or --leader-elect: kubeconfig file (default: in-cluster, else $KUBECONFIG or ~/.kube/config)",
    )
    .option(
      "--max-concurrent-orgs <n>",
      "organizations reconciled at once (each has its own queue entry and backoff)",
      positiveInteger,
      4,
    )
    .option("--lease-name <name>", "leader election: the Lease name", "roster-controller")
    .option("--lease-namespace <ns>", "leader election: the Lease namespace (default: the pod's)")
    .addOption(
      durationOption(
        "--lease-duration <duration>",
        "leader election: how long a Lease lasts without renewal",
        durationMs,
        "15s",
      ),
    )
    .addOption(
      durationOption(
        "--renew-deadline <duration>",
        "leader election: the leader steps down when it cannot renew for this long",
        durationMs,
        "10s",
      ),
    )
    .addOption(
      durationOption(
        "--retry-period <duration>",
        "leader election: between attempts to acquire or renew the Lease",
        durationMs,
        "2s",
      ),
    )
    .addOption(
      durationOption(
        "--resync-period <duration>",
        "kubernetes: reconcile every organization this often",
        durationMs,
        "10m",
      ),
    )
    .addOption(
      durationOption(
        "--kube-api-timeout <duration>",
        "kubernetes or --leader-elect: every Kubernetes API call is aborted after this long",
        durationMs,
        "30s",
      ),
    )
    .addOption(
      durationOption(
        "--watch-timeout <duration>",
        "kubernetes: the API server ends each watch after this (plus jitter)",
        durationMs,
        "5m",
      ),
    )
    .addOption(
      durationOption(
        "--shutdown-grace <duration>",
        "after SIGTERM, in-flight work gets this long (keep it under the pod's grace period)",
        durationMs,
        "25s",
      ),
    )
    .option(
      "--identity <id>",
      "leader election: this instance's name in the Lease (default: hostname + random suffix)",
    );
}

/** `kubernetes` or `kubernetes:NAMESPACE` as a `--source`: the namespace, or null when not Kubernetes. */
export function kubernetesSourceNamespace(source: string): { namespace?: string } | null {
  const match = /^kubernetes(?::(.+))?$/.exec(source);
  if (!match) return null;
  return match[1] === undefined ? {} : { namespace: match[1] };
}

/**
 * Registers `roster kube-run`, kept as an alias of `roster run --source kubernetes` (hidden from
 * the help) for scripts written against the first release of Kubernetes mode.
 */
export function registerKubeRun(program: Command): void {
  const command = addKubernetesOptions(
    program
      .command("kube-run", { hidden: true })
      .description("alias of `roster run --source kubernetes`"),
  )
    .option("--backend <uri>", "identity backend", DEFAULT_BACKEND_URI)
    .option("--token-file <file>", "API key for an http(s) backend (or set ROSTER_TOKEN)")
    .option(
      "--listen <host:port>",
      "serve /healthz, /readyz and /metrics here",
      parseListen,
      parseListen("127.0.0.1:9090"),
    );
  addMailerOptions(command).action(async (flags: RunKubernetesOptions) => {
    await runKubernetes(flags);
  });
}
