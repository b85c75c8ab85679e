import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { parseDuration } from "../../model/index.js";
import type { Plan } from "../../plan/types.js";
import type { StepResult } from "../../reconcile/index.js";
import { applyReport } from "../apply-json.js";
import { paintFor } from "../colors.js";
import { askYes } from "../confirm.js";
import { UsageError } from "../errors.js";
import { durationOption } from "../duration-option.js";
import { countWarnings } from "../issue-text.js";
import { describeMailReport } from "../mail-report.js";
import { parseOutputFormat, printJson } from "../output.js";
import { ProgressLine } from "../progress.js";
import type { PassFlags, PassResult } from "../reconcile-pass.js";
import {
  addPassOptions,
  checkSource,
  positiveInteger,
  reportObserveFailures,
  runPass,
} from "../reconcile-pass.js";
import { describeStep, renderPlanTable } from "../render-plan.js";

interface ApplyFlags extends PassFlags {
  yes?: boolean;
  concurrency: number;
  output: string;
  mailWait: number;
}

export function registerApply(program: Command): void {
  addPassOptions(
    program
      .command("apply")
      .description(
        "Apply the plan to the backend (asks first, or --yes); exit 0 ok, 1 failed or refused",
      ),
  )
    .option("-y, --yes", "apply without asking (required when stdin is not a terminal)")
    .option("--concurrency <n>", "writes in flight at once inside a phase", positiveInteger, 8)
    .addOption(
      durationOption(
        "--mail-wait <duration>",
        "how long to wait for invitation mail retries before exiting (0s, 20s, 2m)",
        waitDuration,
        "20s",
      ),
    )
    .option("-o, --output <format>", "table|json (json: the plan and each step's result)", "table")
    .addHelpText(
      "after",
      "\nExample:\n" +
        "  $ roster apply --source examples/acme --yes\n" +
        "  $ roster apply --source git@github.com:acme/org.git#main \\\n" +
        "      --backend sqlite:/srv/portal.db\n" +
        "  $ roster apply --yes -o json   # --source and --backend from roster.yaml",
    )
    .action(async (flags: ApplyFlags, command: Command) => {
      const json = parseOutputFormat(flags.output, ["table", "json"] as const) === "json";
      // With -o json stdout holds the report alone; the plan shown for confirmation goes to stderr.
      const planOut = json ? process.stderr : process.stdout;
      const paint = paintFor(command, planOut);
      const errPaint = paintFor(command, process.stderr);
      const progress = new ProgressLine(process.stderr, 1000, errPaint);
      let sourceWarnings = 0;
      // Decided before reading anything: a pipeline never hangs on a prompt nobody sees.
      if (!flags.yes && !process.stdin.isTTY) {
        throw new UsageError(
          "stdin is not a terminal, so roster cannot ask for confirmation: pass --yes to apply",
        );
      }
      let shown: Plan | undefined;
      let declined = false;
      const interrupt = new AbortController();
      const onInterrupt = () => {
        // A second Ctrl-C means now; the store's transactions keep the file consistent.
        if (interrupt.signal.aborted) process.exit(INTERRUPTED);
        process.stderr.write(
          "\nroster: interrupted: finishing the steps in flight and delivering their mail " +
            "(Ctrl-C again to stop at once)\n",
        );
        interrupt.abort();
      };
      process.on("SIGINT", onInterrupt);
      const result = await runPass(
        flags,
        {
          dryRun: false,
          concurrency: flags.concurrency,
          mailWaitMs: flags.mailWait,
          signal: interrupt.signal,
          confirm: async (plan) => {
            shown = plan;
            if (!json || !flags.yes) {
              planOut.write(renderPlanTable(plan, { paint, sourceWarnings }));
            }
            if (flags.yes) return true;
            // Steps of refused orgs are shown but never applied: don't count them.
            const refused = new Set(plan.safety.refusals.map((r) => r.org));
            const n = plan.steps.filter((s) => !refused.has(s.org)).length;
            const ok = await askYes(
              `\nApply ${n} change${n === 1 ? "" : "s"}? Type "yes" to confirm: `,
            );
            declined = !ok;
            return ok;
          },
        },
        {
          onLoaded: (revision, issues) => {
            sourceWarnings = countWarnings(issues);
            progress.onLoaded(revision, issues);
          },
          onStepDone: (org, r, done, total) => progress.onStepDone(org, r, done, total),
        },
      ).finally(() => process.off("SIGINT", onInterrupt));
      checkSource(result, flags, { issuesPrinted: true });
      if (shown === undefined && result.plan && !json) {
        process.stdout.write(renderPlanTable(result.plan, { paint, sourceWarnings }));
      }
      const failedReads = reportObserveFailures(result);
      if (declined) throw new UsageError("apply cancelled: nothing changed");
      process.exitCode = summarize(result, failedReads, json, interrupt.signal.aborted);
      if (interrupt.signal.aborted) {
        const { done, total } = progressOf(result);
        process.stderr.write(
          `roster: interrupted after ${done} of ${total} steps; run the same command again to finish\n`,
        );
        process.exitCode = INTERRUPTED;
      }
    });
}

/** 128 + SIGINT, as shells report a command stopped by Ctrl-C. */
const INTERRUPTED = 130;

/** Steps that ran (whatever their result) out of the steps planned for organizations not refused. */
function progressOf(result: PassResult): { done: number; total: number } {
  const applying = result.orgs.filter((o) => o.status !== "refused");
  const total = applying.reduce((n, o) => n + (o.plan?.steps.length ?? 0), 0);
  const done = applying
    .flatMap((o) => o.results)
    .filter((r) => r.result !== "failed" || r.attempts > 0).length;
  return { done, total };
}

function waitDuration(value: string): number {
  const seconds = parseDuration(value);
  if (seconds === undefined) {
    throw new InvalidArgumentError(`expected a duration like 0s, 20s or 2m (got "${value}")`);
  }
  return seconds * 1000;
}

/**
 * Prints failed steps, undelivered mail and one summary line (or the JSON report); returns the
 * exit code.
 */
function summarize(
  result: PassResult,
  failedReads: number,
  json: boolean,
  interrupted: boolean,
): number {
  const results: StepResult[] = result.orgs.flatMap((o) => o.results);
  const count = (r: StepResult["result"]) => results.filter((x) => x.result === r).length;
  for (const r of results) {
    // Skipped by an interrupt (never attempted): the summary line says how far it got.
    if (r.result !== "failed" || (interrupted && r.attempts === 0)) continue;
    const retry = r.error?.transient ? " (temporary: re-run to retry)" : "";
    process.stderr.write(
      `failed: ${r.step.org}: ${describeStep(r.step)}: ${r.error?.message ?? "unknown error"}${retry}\n`,
    );
  }
  for (const o of result.orgs) {
    if (o.error && o.status === "partial") {
      process.stderr.write(`roster: ${o.org}: ${o.error.message}\n`);
    }
  }
  const refused = result.orgs.filter((o) => o.status === "refused").map((o) => o.org);
  const blocked = result.plan?.blocked.length ?? 0;
  // Undelivered invitation mail fails the apply: a pending invitation nobody was told about.
  const mailLines = result.mail ? describeMailReport(result.mail) : [];
  const bad =
    result.orgs.some((o) => o.status !== "synced") || failedReads > 0 || mailLines.length > 0;
  const code = bad || result.plan?.safety.safe === false ? 1 : 0;
  if (json) printJson(applyReport(result, code === 0));
  else {
    process.stdout.write(
      `\nApplied ${count("applied")}, unchanged ${count("noop")}, failed ${count("failed")}, blocked ${blocked}.\n`,
    );
  }
  for (const line of mailLines) process.stderr.write(`${line}\n`);
  if (refused.length > 0 || result.plan?.safety.safe === false) {
    process.stderr.write(
      `roster: refused by the safety checks, nothing applied to: ${refused.join(", ") || "any organization"}\n`,
    );
  }
  return code;
}
