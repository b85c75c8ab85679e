import type { Command } from "commander";
import { InvalidArgumentError, Option } from "commander";
import { existsSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { parseDuration } from "../../model/index.js";
import { ControllerLoop, reconcile } from "../../reconcile/index.js";
import type { PassOutcome, ReconcileResult } from "../../reconcile/index.js";
import type { Logger } from "../../server/controller/logger.js";
import { openBackend } from "../backend-uri.js";
import { durationOption } from "../duration-option.js";
import { UsageError } from "../errors.js";
import { gitAccessOptions } from "../git-options.js";
import { parseListen } from "../listen.js";
import { mailerOpenOptions } from "../mailer-options.js";
import type { PassFlags } from "../reconcile-pass.js";
import { addPassOptions, positiveInteger } from "../reconcile-pass.js";
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
  // Loaded here, not at the top: pino, prom-client and Octokit are for the controller only.
  const [
    { startControllerServer },
    { createLogger },
    { ControllerMetrics },
    { withPullRequestChecks },
  ] = await Promise.all([
    import("../../server/controller/controller-server.js"),
    import("../../server/controller/logger.js"),
    import("../../server/controller/metrics.js"),
    import("../pr-check/github-env.js"),
  ]);
  const log = createLogger(flags.logLevel);
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
        log.warn({ ...attempt }, "invitation mail not delivered");
      }
    },
  });
  const managedState = opened.managedState;
  // The outbox of the embedded store is delivered between passes too, as retries come due.
  const mail = opened.store?.mail;
  if (opened.store) {
    const store = opened.store;
    metrics.watchMail(() => store.undeliveredMail());
  }
  const shutdown = new AbortController();
  let ready = false;

  const pass = async (trigger: string): Promise<PassOutcome> => {
    const suspended =
      Boolean(flags.suspend) || (flags.suspendFile !== undefined && existsSync(flags.suspendFile));
    const started = performance.now();
    let revision: string | null = null;
    const result = await reconcile(
      {
        source,
        backend: opened.backend,
        state: opened.state,
        ...(managedState ? { managedState } : {}),
        observer: {
          onLoaded: (loaded) => {
            revision = loaded;
          },
          onStepDone: (org, r) => {
            const fields = { org, revision, action: r.step.action, email: r.step.email };
            if (r.result === "failed")
              log.error({ ...fields, error: r.error?.message }, "step failed");
            else log.info({ ...fields, result: r.result }, "step done");
          },
        },
      },
      {
        dryRun: suspended,
        maxRemovalsOverride: flags.maxRemovals,
        concurrency: flags.concurrency,
        actor: `roster-controller@${hostname()}`,
        signal: shutdown.signal,
      },
    );
    // Every pass ends by delivering what is due (the invites it just made, retries).
    await mail
      ?.sweep()
      .catch((error: unknown) => log.error({ err: error }, "mail delivery failed"));
    metrics.recordPass(result, (performance.now() - started) / 1000);
    const outcome = logPass(log, result, trigger, suspended);
    if (outcome === "ok") ready = true;
    return outcome;
  };

  const loop = new ControllerLoop({
    intervalMs: flags.interval,
    pass,
    onCrash: (error) => log.error({ err: error }, "reconcile pass crashed; retrying with backoff"),
  });

  const server = await startControllerServer({
    ...flags.listen,
    registry: metrics.registry,
    isHealthy: () => !shutdown.signal.aborted,
    isReady: () => ready,
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
  log.info(
    {
      url: server.url,
      source: source.describe,
      backend: opened.backend.describe,
      webhook: Boolean(secret),
    },
    "roster controller started",
  );
  loop.start();
  mail?.start();

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, "stopping: finishing the step in flight");
      shutdown.abort();
      resolve();
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  await loop.stop();
  await mail?.stop();
  await server.close();
  await opened.close();
  log.info("stopped");
}

/** One log line per org with its revision; decides whether the loop retries sooner. */
function logPass(
  log: Logger,
  result: ReconcileResult,
  trigger: string,
  suspended: boolean,
): PassOutcome {
  const revision = result.revision ?? null;
  if (result.sourceError) {
    log.error(
      { org: null, revision, trigger, error: result.sourceError.message },
      "source unreadable: nothing written, retrying with backoff",
    );
    return "retry";
  }
  const errors = result.issues.filter((i) => i.severity === "error");
  if (errors.length > 0) {
    for (const issue of errors) {
      log.error(
        {
          org: null,
          revision,
          file: issue.file,
          line: issue.line,
          col: issue.col,
          rule: issue.rule,
        },
        issue.message,
      );
    }
    log.error(
      { org: null, revision, trigger, errors: errors.length },
      "invalid resources: nothing written, the last good state stays",
    );
    return "retry";
  }
  let retry = false;
  for (const org of result.orgs) {
    const failed = org.results.filter((r) => r.result === "failed").length;
    const applied = org.results.filter((r) => r.result === "applied").length;
    const fields = {
      org: org.org,
      revision,
      trigger,
      status: org.status,
      steps: org.plan?.steps.length ?? 0,
      blocked: org.plan?.blocked.length ?? 0,
      applied,
      failed,
      suspended,
      ...(org.error ? { error: org.error.message } : {}),
    };
    if (org.status === "failed" || org.status === "partial") {
      retry = true;
      log.error(fields, "sync failed");
    } else if (org.status === "refused") {
      log.warn(
        { ...fields, refusals: org.plan?.safety.refusals.map((r) => r.message) },
        "sync refused by safety checks: needs a human",
      );
    } else {
      log.info(fields, suspended ? "suspended: drift reported, nothing written" : "synced");
    }
  }
  return retry ? "retry" : "ok";
}
