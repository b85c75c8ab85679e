import type { Command } from "commander";
import { InvalidArgumentError, Option } from "commander";
import { existsSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { parseDuration } from "../../model/index.js";
import { ControllerLoop, reconcile } from "../../reconcile/index.js";
import type { PassOutcome } from "../../reconcile/index.js";
import { logPass } from "../pass-log.js";
import type { Logger } from "../../model/index.js";
import { openBackend } from "../backend-uri.js";
import { durationOption } from "../duration-option.js";
import { UsageError } from "../errors.js";
import { gitAccessOptions } from "../git-options.js";
import { parseListen } from "../listen.js";
import { mailerOpenOptions } from "../mailer-options.js";
import type { PassFlags } from "../reconcile-pass.js";
import { addPassOptions, journalKeyOption, positiveInteger } from "../reconcile-pass.js";
import type { Shutdown } from "../shutdown.js";
import { DEFAULT_SHUTDOWN_GRACE_MS, installShutdown, within } from "../shutdown.js";
import { openLeadership } from "../leader-election.js";
import { openSource } from "../source-uri.js";
import type { RunKubernetesOptions } from "./run-kubernetes.js";
import {
  addKubernetesOptions,
  kubernetesSourceNamespace,
  runKubernetes,
} from "./run-kubernetes.js";

interface RunFlags
  extends PassFlags,
    Omit<RunKubernetesOptions, "backend" | "listen" | "tokenFile"> {
  interval: number;
  listen: { host: string; port: number };
  webhookSecretFile?: string;
  leaderElect?: boolean;
  suspend?: boolean;
  suspendFile?: string;
  concurrency: number;
  logLevel: string;
}

export function registerRun(program: Command): void {
  const command = addPassOptions(
    program
      .command("run")
      .description(
        "Run the controller: reconcile the source into the backend continuously, serve " +
          "/healthz, /readyz, /metrics and a GitHub push webhook. SIGTERM finishes the step " +
          "in flight and exits.",
      ),
  )
    .addOption(
      durationOption(
        "--interval <duration>",
        "poll and full-resync interval (30s, 5m, 1h)",
        duration,
        "60s",
      ),
    )
    .addOption(
      new Option("--listen <host:port>", "health, metrics and webhook endpoint")
        .argParser(parseListen)
        .default(parseListen("127.0.0.1:9090"), "127.0.0.1:9090"),
    )
    .option(
      "--webhook-secret-file <file>",
      "GitHub webhook secret (default: $ROSTER_WEBHOOK_SECRET); without one, POST /webhook is off",
    )
    .option(
      "--leader-elect",
      "elect a leader on a Kubernetes Lease (the --lease-* options): only the leader writes",
    )
    .option("--suspend", "plan and report drift, write nothing")
    .option("--suspend-file <file>", "suspend while this file exists (checked before every pass)")
    .option("--concurrency <n>", "writes in flight at once inside a phase", positiveInteger, 8)
    .option("--log-level <level>", "trace, debug, info, warn, error", "info");
  addKubernetesOptions(command)
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  $ roster run --source https://github.com/acme/access.git#main//orgs \\\n" +
        "      --interval 5m\n" +
        "  $ ROSTER_WEBHOOK_SECRET=… roster run --source ./orgs \\\n" +
        "      --backend sqlite:/data/portal.db --listen 0.0.0.0:9090\n" +
        "  $ roster run --source kubernetes --all-namespaces \\\n" +
        "      --backend https://portal.example.com\n" +
        "\nWith --source kubernetes the controller watches Organization and Member\n" +
        "resources (informers, a work queue per organization, status, finalizers, leader\n" +
        "election); the options marked kubernetes: apply to that mode only.\n",
    )
    .action(async (flags: RunFlags) => {
      const kube = kubernetesSourceNamespace(flags.source);
      if (kube) await runKubernetes({ ...flags, ...kube });
      else await runController(flags);
    });
}

function duration(value: string): number {
  const seconds = parseDuration(value);
  if (seconds === undefined || seconds === 0) {
    throw new InvalidArgumentError(`expected a duration like 30s, 5m or 1h (got "${value}")`);
  }
  return seconds * 1000;
}

function webhookSecret(flags: RunFlags): string | undefined {
  if (flags.webhookSecretFile === undefined) return process.env.ROSTER_WEBHOOK_SECRET || undefined;
  try {
    const secret = readFileSync(flags.webhookSecretFile, "utf8").trim();
    if (secret === "")
      throw new UsageError(`--webhook-secret-file ${flags.webhookSecretFile} is empty`);
    return secret;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read --webhook-secret-file ${flags.webhookSecretFile}`);
  }
}

async function runController(flags: RunFlags): Promise<void> {
  // First: a SIGTERM during start-up must stop the process cleanly too.
  let log: Logger | undefined;
  const shutdown = installShutdown({
    graceMs: flags.shutdownGrace ?? DEFAULT_SHUTDOWN_GRACE_MS,
    log: (message, fields) => log?.info(message, fields),
  });
  try {
    await startController(flags, shutdown, (logger) => (log = logger));
    await shutdown.received;
  } finally {
    await shutdown.finish();
  }
  log?.info("stopped");
}

async function startController(
  flags: RunFlags,
  shutdown: Shutdown,
  setLog: (log: Logger) => void,
): Promise<void> {
  // Loaded here, not at the top: pino, prom-client and Octokit are for the controller only.
  const [
    { startControllerServer },
    { asLogger, createLogger },
    { ControllerMetrics },
    { withPullRequestChecks },
  ] = await Promise.all([
    import("../../server/controller/controller-server.js"),
    import("../../server/controller/logger.js"),
    import("../../server/controller/metrics.js"),
    import("../pr-check/github-env.js"),
  ]);
  const pino = createLogger(flags.logLevel);
  const log = asLogger(pino);
  setLog(log);
  const secret = webhookSecret(flags);
  const source = openSource(flags.source, gitAccessOptions(flags));
  const metrics = new ControllerMetrics();
  const opened = await openBackend(flags.backend, {
    tokenFile: flags.tokenFile,
    ...(flags.state === undefined ? {} : { stateUri: flags.state }),
    ...mailerOpenOptions(flags),
    onMailAttempt: (attempt) => {
      metrics.recordMailAttempt(attempt);
      if (attempt.result !== "delivered") {
        log.warn("invitation mail not delivered", { ...attempt });
      }
    },
    ...journalKeyOption(flags),
  });
  const managedState = opened.managedState;
  shutdown.defer(() => opened.close());
  // The outbox of the embedded store is delivered between passes too, as retries come due.
  const mail = opened.store?.mail;
  if (opened.store) {
    const store = opened.store;
    metrics.watchMail(() => store.undeliveredMail());
  }
  let ready = false;
  // The loop is built after the Lease callbacks that wake it.
  const wake: { loop?: ControllerLoop } = {};
  const leadership = flags.leaderElect
    ? await openLeadership(flags, process.env, {
        onStartedLeading: () => wake.loop?.trigger("started leading"),
        onStoppedLeading: () => {
          ready = false;
        },
        onLog: (message, fields) => log.info(message, fields),
      })
    : undefined;
  const backend = leadership ? leadership.gate(opened.backend) : opened.backend;
  // The earliest declared expiry the last pass saw: the loop wakes up for it (issue: revoke AT
  // the instant, not up to an interval later).
  let nextExpiry: number | undefined;
  // When the latest pass started: an expiry at or before it was that pass's to revoke.
  let lastPassAt = 0;

  const pass = async (trigger: string): Promise<PassOutcome> => {
    // A standby reads and writes nothing; it takes over when the Lease comes to it.
    if (leadership && !leadership.isLeader()) return "ok";
    const suspended =
      Boolean(flags.suspend) || (flags.suspendFile !== undefined && existsSync(flags.suspendFile));
    const started = performance.now();
    const clock = new Date();
    lastPassAt = clock.getTime();
    let revision: string | null = null;
    const result = await reconcile(
      {
        source,
        backend,
        state: opened.state,
        ...(managedState ? { managedState } : {}),
        observer: {
          onLoaded: (loaded) => {
            revision = loaded;
          },
          onStepDone: (org, r) => {
            const fields = { org, revision, action: r.step.action, email: r.step.email };
            if (r.result === "failed")
              log.error("step failed", { ...fields, error: r.error?.message });
            else log.info("step done", { ...fields, result: r.result });
          },
        },
      },
      {
        dryRun: suspended,
        maxRemovalsOverride: flags.maxRemovals,
        concurrency: flags.concurrency,
        actor: `roster-controller@${hostname()}`,
        signal: leadership
          ? AbortSignal.any([shutdown.signal, leadership.termSignal()])
          : shutdown.signal,
        now: clock,
      },
    );
    // An unreadable or invalid source keeps the last known expiry: it still has to be kept.
    if (result.plan !== undefined) {
      nextExpiry = result.nextExpiry === undefined ? undefined : Date.parse(result.nextExpiry);
    }
    // Every pass ends by delivering what is due (the invites it just made, retries).
    await mail
      ?.sweep()
      .catch((error: unknown) => log.error("mail delivery failed", { err: error }));
    metrics.recordPass(result, (performance.now() - started) / 1000);
    // The one decision of the controller core: requeue with backoff, or wait (in sync, or
    // stalled until a human changes the source: the next commit or interval picks it up).
    const decision = logPass(log, result, trigger, suspended);
    if (decision.kind === "ok") ready = true;
    return decision.kind === "requeue" ? "retry" : "ok";
  };

  const loop = new ControllerLoop({
    intervalMs: flags.interval,
    // An expiry that passed DURING the last pass (a slow one) wakes the loop at once; one the
    // last pass already saw pass (it failed before planning) is left to the backoff: no busy loop.
    nextWakeAt: () =>
      nextExpiry !== undefined && nextExpiry > lastPassAt ? nextExpiry : undefined,
    pass,
    onCrash: (error) => log.error("reconcile pass crashed; retrying with backoff", { err: error }),
  });
  if (shutdown.signal.aborted) return;

  const server = await startControllerServer({
    ...flags.listen,
    registry: metrics.registry,
    isHealthy: () => !shutdown.signal.aborted,
    // A standby is ready once it knows who leads: it serves, and takes over when needed.
    isReady: () =>
      ready || (leadership !== undefined && !leadership.isLeader() && leadership.knowsHolder()),
    ...(secret
      ? {
          webhook: {
            secret,
            // Pull-request events run the PR check (when a GitHub token is set); pushes sync.
            onEvent: withPullRequestChecks(
              (event: string) => {
                if (event !== "push") return { accepted: false, message: `event ${event} ignored` };
                loop.trigger("webhook push");
                return { accepted: true, message: "sync triggered" };
              },
              { repo: flags.source, git: gitAccessOptions(flags), log: pino },
            ),
          },
        }
      : {}),
  }).catch((error: unknown) => {
    throw new UsageError(
      `cannot listen on ${flags.listen.host}:${flags.listen.port}: ${(error as Error).message}`,
    );
  });
  log.info("roster controller started", {
    url: server.url,
    source: source.describe,
    backend: opened.backend.describe,
    webhook: Boolean(secret),
  });
  shutdown.defer(() => server.close());
  // Releases run newest first: the pass in flight finishes (no new step starts: it sees
  // shutdown.signal), then the Lease is handed back so a standby takes over at once.
  if (leadership) {
    shutdown.defer((deadlineMs) => leadership.stop(deadlineMs));
    leadership.start();
  }
  wake.loop = loop;
  shutdown.defer(async (deadlineMs) => {
    if (!(await within(loop.stop(), deadlineMs - LEASE_HANDBACK_MS))) {
      log.warn("stopping with a pass still in flight: its writes are refused from now on");
    }
  });
  loop.start();
  if (mail) {
    mail.start();
    shutdown.defer(() => mail.stop());
  }
}

/** Kept back from draining a pass so that a leader can still hand its Lease back. */
const LEASE_HANDBACK_MS = 2_000;
