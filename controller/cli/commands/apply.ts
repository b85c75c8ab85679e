import type { Command } from "commander";
import type { Plan } from "../../plan/types.js";
import type { ReconcileResult, StepResult } from "../../reconcile/index.js";
import { askYes } from "../confirm.js";
import { UsageError } from "../errors.js";
import { ProgressLine } from "../progress.js";
import type { PassFlags } from "../reconcile-pass.js";
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
    .addHelpText(
      "after",
      "\nExample:\n  $ roster apply --source examples/acme --yes\n  $ roster apply --source git@github.com:acme/org.git#main --backend sqlite:/srv/portal.db",
    )
    .action(async (flags: ApplyFlags) => {
      // Decided before reading anything: a pipeline never hangs on a prompt nobody sees.
      if (!flags.yes && !process.stdin.isTTY) {
        throw new UsageError(
          "stdin is not a terminal, so roster cannot ask for confirmation: pass --yes to apply",
        );
      }
      let shown: Plan | undefined;
      let declined = false;
      const result = await runPass(
        flags,
        {
          dryRun: false,
          concurrency: flags.concurrency,
          confirm: async (plan) => {
            shown = plan;
            process.stdout.write(renderPlanTable(plan));
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
        new ProgressLine(),
      );
      checkSource(result, flags, { issuesPrinted: true });
      if (shown === undefined && result.plan) process.stdout.write(renderPlanTable(result.plan));
      const failedReads = reportObserveFailures(result);
      if (declined) throw new UsageError("apply cancelled: nothing changed");
      process.exitCode = summarize(result, failedReads);
    });
}

/** Prints failed steps and one summary line; returns the exit code. */
function summarize(result: ReconcileResult, failedReads: number): number {
  const results: StepResult[] = result.orgs.flatMap((o) => o.results);
  const count = (r: StepResult["result"]) => results.filter((x) => x.result === r).length;
  for (const r of results) {
    if (r.result !== "failed") continue;
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
  process.stdout.write(
    `\nApplied ${count("applied")}, unchanged ${count("noop")}, failed ${count("failed")}, blocked ${blocked}.\n`,
  );
  if (refused.length > 0 || result.plan?.safety.safe === false) {
    process.stderr.write(
      `roster: refused by the safety checks, nothing applied to: ${refused.join(", ") || "any organization"}\n`,
    );
  }
  const bad = result.orgs.some((o) => o.status !== "synced") || failedReads > 0;
  return bad || result.plan?.safety.safe === false ? 1 : 0;
}
