import { Option, type Command } from "commander";
import { readFileSync } from "node:fs";
import { parseRepoSlug } from "../../adapters/github/pull-request.js";
import type { RepoRef } from "../../adapters/github/index.js";
import { UsageError } from "../errors.js";
import type { GitFlags } from "../git-options.js";
import { addGitOptions, gitAccessOptions } from "../git-options.js";
import { parseListen } from "../listen.js";

interface ServeFlags extends GitFlags {
  listen: { host: string; port: number };
  repo: string;
  path?: string;
  repoSlug?: string;
  webhookSecretFile?: string;
  githubApiUrl?: string;
  logLevel: string;
}

export function registerGithub(program: Command): void {
  const github = program
    .command("github")
    .description("GitHub integration: the pull-request check as a webhook service")
    .addHelpText(
      "after",
      "\nExample:\n" +
        "  $ export ROSTER_WEBHOOK_SECRET=… GITHUB_TOKEN=…\n" +
        "  $ roster github serve --repo /srv/access --repo-slug acme/access",
    );
  const serve = github
    .command("serve")
    .description(
      "Serve POST /webhook (and /healthz, /readyz, /metrics): pull_request (opened, " +
        "synchronize, reopened) and pull_request_review (submitted, dismissed) deliveries run " +
        "`roster check --github` for that PR. Deliveries are verified with the webhook secret " +
        "(HMAC-SHA256).",
    )
    .addOption(
      new Option("--listen <host:port>", "address of the webhook endpoint")
        .argParser(parseListen)
        .default(parseListen("127.0.0.1:9091"), "127.0.0.1:9091"),
    )
    .option("--repo <path>", "local clone of the repository the PRs belong to (or a Git URL)", ".")
    .option("--path <dir>", "only YAML files under this folder of the repository")
    .option("--repo-slug <owner/repo>", "only check pull requests of this repository")
    .option("--webhook-secret-file <file>", "the webhook secret (default: $ROSTER_WEBHOOK_SECRET)")
    .option(
      "--github-api-url <url>",
      "REST root (default $GITHUB_API_URL or https://api.github.com)",
    )
    .option("--log-level <level>", "trace, debug, info, warn, error", "info");
  addGitOptions(serve)
    .addHelpText(
      "after",
      "\nThe GitHub token comes from ROSTER_GITHUB_TOKEN or GITHUB_TOKEN.\n" +
        "\nExample:\n" +
        "  $ ROSTER_WEBHOOK_SECRET=… GITHUB_TOKEN=… roster github serve \\\n" +
        "      --listen 0.0.0.0:9091 --repo /srv/access --repo-slug acme/access",
    )
    .action(async (flags: ServeFlags) => {
      await serveWebhook(flags);
    });
}

/** The secret from the file (trimmed) or ROSTER_WEBHOOK_SECRET; serving unverified is refused. */
function webhookSecret(flags: ServeFlags): string {
  if (flags.webhookSecretFile !== undefined) {
    let secret: string;
    try {
      secret = readFileSync(flags.webhookSecretFile, "utf8").trim();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
      throw new UsageError(
        `cannot read --webhook-secret-file ${flags.webhookSecretFile} (${code})`,
      );
    }
    if (secret === "")
      throw new UsageError(`--webhook-secret-file ${flags.webhookSecretFile} is empty`);
    return secret;
  }
  const secret = process.env.ROSTER_WEBHOOK_SECRET?.trim();
  if (!secret) {
    throw new UsageError(
      "no webhook secret: set ROSTER_WEBHOOK_SECRET or --webhook-secret-file FILE",
    );
  }
  return secret;
}

async function serveWebhook(flags: ServeFlags): Promise<void> {
  const secret = webhookSecret(flags);
  let repoSlug: RepoRef | undefined;
  if (flags.repoSlug !== undefined) {
    try {
      repoSlug = parseRepoSlug(flags.repoSlug);
    } catch (error) {
      throw new UsageError(`--repo-slug: ${(error as Error).message}`);
    }
  }
  // Loaded here, not at the top: the webhook service's SDKs (Octokit, pino, prom-client).
  const [{ startControllerServer }, { asLogger, createLogger }, { ControllerMetrics }, env] =
    await Promise.all([
      import("../../server/controller/controller-server.js"),
      import("../../server/controller/logger.js"),
      import("../../server/controller/metrics.js"),
      import("../pr-check/github-env.js"),
    ]);
  const { githubClientFromEnv, pullRequestChecksFor } = env;
  const github = githubClientFromEnv(flags.githubApiUrl);
  const log = asLogger(createLogger(flags.logLevel));
  const checks = pullRequestChecksFor({
    github,
    repo: flags.repo,
    git: gitAccessOptions(flags),
    ...(flags.path !== undefined ? { path: flags.path } : {}),
    ...(repoSlug ? { repoSlug } : {}),
    log,
  });
  let stopping = false;
  const server = await startControllerServer({
    ...flags.listen,
    registry: new ControllerMetrics().registry,
    isHealthy: () => !stopping,
    isReady: () => !stopping,
    webhook: {
      secret,
      onEvent: (event, payload) => {
        const outcome = checks.onEvent(event, payload);
        log.info(outcome.message, { event, accepted: outcome.accepted });
        return outcome;
      },
    },
  }).catch((error: unknown) => {
    throw new UsageError(
      `cannot listen on ${flags.listen.host}:${flags.listen.port}: ${(error as Error).message}`,
    );
  });
  log.info("roster github webhook started", {
    url: server.url,
    repo: flags.repo,
    repoSlug: flags.repoSlug ?? null,
  });

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info("stopping: finishing the check in flight", { signal });
      stopping = true;
      resolve();
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  await server.close();
  await checks.idle();
  log.info("stopped");
}
