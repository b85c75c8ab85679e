import { existsSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { Logger } from "../../model/index.js";
import { SourceController } from "../../reconcile/index.js";
import { openBackend } from "../backend-uri.js";
import { UsageError } from "../errors.js";
import { gitAccessOptions } from "../git-options.js";
import { openLeadership } from "../leader-election.js";
import { mailerOpenOptions } from "../mailer-options.js";
import { logOrg, logSourceStopped } from "../pass-log.js";
import { journalKeyOption } from "../reconcile-pass.js";
import type { Shutdown } from "../shutdown.js";
import { DEFAULT_SHUTDOWN_GRACE_MS, installShutdown, within } from "../shutdown.js";
import { openSource } from "../source-uri.js";
import type { RunFlags } from "./run.js";

/**
 * `roster run` on a folder or Git source, until SIGTERM/SIGINT. The handler is installed first,
 * so a signal during start-up stops too.
 */
export async function runController(flags: RunFlags): Promise<void> {
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
  const log = asLogger(createLogger(flags.logLevel));
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
  shutdown.defer(() => opened.close());
  // The outbox of the embedded store is delivered after each organization's reconcile too.
  const mail = opened.store?.mail;
  if (opened.store) {
    const store = opened.store;
    metrics.watchMail(() => store.undeliveredMail());
  }
  let ready = false;
  // The controller is built after the Lease callbacks that wake it.
  const wake: { controller?: SourceController } = {};
  const leadership = flags.leaderElect
    ? await openLeadership(flags, process.env, {
        onStartedLeading: () => wake.controller?.trigger("started leading"),
        onStoppedLeading: () => {
          ready = false;
        },
        onLog: (message, fields) => log.info(message, fields),
      })
    : undefined;
  const backend = leadership ? leadership.gate(opened.backend) : opened.backend;
  if (leadership) metrics.watchLeadership(() => leadership.isLeader());
  const suspended = () =>
    Boolean(flags.suspend) || (flags.suspendFile !== undefined && existsSync(flags.suspendFile));

  const controller = new SourceController({
    deps: {
      source,
      backend,
      state: opened.state,
      ...(opened.managedState ? { managedState: opened.managedState } : {}),
    },
    intervalMs: flags.interval,
    maxConcurrentOrgs: flags.maxConcurrentOrgs,
    // A standby reads and writes nothing; it takes over when the Lease comes to it.
    ...(leadership ? { isLeader: () => leadership.isLeader() } : {}),
    reconcileOptions: () => ({
      dryRun: suspended(),
      maxRemovalsOverride: flags.maxRemovals,
      concurrency: flags.concurrency,
      actor: `roster-controller@${hostname()}`,
      signal: leadership
        ? AbortSignal.any([shutdown.signal, leadership.termSignal()])
        : shutdown.signal,
    }),
    onRecovered: (report) => {
      metrics.recordRecovered(report.recovered);
      for (const e of report.recovered) {
        log.warn("interrupted write recovered", {
          org: e.org,
          action: e.action,
          email: e.email,
          result: e.result,
          between: [e.notBefore, e.time],
        });
      }
    },
    onStepDone: (org, revision, r) => {
      const fields = { org, revision, action: r.step.action, email: r.step.email };
      if (r.result === "failed") log.error("step failed", { ...fields, error: r.error?.message });
      else log.info("step done", { ...fields, result: r.result });
    },
    onSourceStopped: (result, decision, trigger, seconds) => {
      metrics.recordPass(result, seconds);
      logSourceStopped(log, result, decision, trigger);
    },
    onOrg: async (event) => {
      // Each reconcile ends by delivering what is due (the invites it just made, retries).
      await mail
        ?.sweep()
        .catch((error: unknown) => log.error("mail delivery failed", { err: error }));
      if (event.result.orgs.length > 0) metrics.recordPass(event.result, event.seconds);
      logOrg(log, event, suspended());
      if (controller.inSync()) ready = true;
    },
    onCrash: (error, org) =>
      log.error("reconcile crashed; retrying with backoff", { org: org ?? null, err: error }),
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
                controller.trigger("webhook push");
                return { accepted: true, message: "sync triggered" };
              },
              { repo: flags.source, git: gitAccessOptions(flags), log },
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
  // Releases run newest first: the reconciles in flight finish (no new step starts: they see
  // shutdown.signal), then the Lease is handed back so a standby takes over at once.
  if (leadership) {
    shutdown.defer((deadlineMs) => leadership.stop(deadlineMs));
    leadership.start();
  }
  wake.controller = controller;
  shutdown.defer(async (deadlineMs) => {
    if (!(await within(controller.stop(), deadlineMs - LEASE_HANDBACK_MS))) {
      log.warn("stopping with reconciles still in flight: their writes are refused from now on");
    }
  });
  controller.start();
  if (mail) {
    mail.start();
    shutdown.defer(() => mail.stop());
  }
}

/** Kept back from draining the reconciles so that a leader can still hand its Lease back. */
const LEASE_HANDBACK_MS = 2_000;
