import type { Command } from "commander";
import { InvalidArgumentError, Option } from "commander";
import { parseDuration } from "../../model/index.js";
import { durationOption } from "../duration-option.js";
import { parseListen } from "../listen.js";
import type { PassFlags } from "../reconcile-pass.js";
import { addPassOptions, positiveInteger } from "../reconcile-pass.js";
import { runController } from "./run-source.js";
import type { RunKubernetesOptions } from "./run-kubernetes.js";
import {
  addKubernetesOptions,
  kubernetesSourceNamespace,
  runKubernetes,
} from "./run-kubernetes.js";

export interface RunFlags
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
        "\nOn a folder or Git source, each pass reads the source once and queues every\n" +
        "organization: each is reconciled alone, with its own backoff.\n" +
        "With --source kubernetes the controller watches Organization, Member and\n" +
        "AccessReview resources (informers, status, finalizers, leader election); the\n" +
        "options marked kubernetes: apply to that mode only, those marked leader\n" +
        "election also to --leader-elect on a folder or Git source.\n",
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
