import type { Command } from "commander";
import { paintFor } from "../colors.js";
import { countWarnings } from "../issue-text.js";
import { parseOutputFormat, printJson } from "../output.js";
import type { PassFlags } from "../reconcile-pass.js";
import { addPassOptions, checkSource, reportObserveFailures, runPass } from "../reconcile-pass.js";
import { planJson, renderPlanTable } from "../render-plan.js";

const FORMATS = ["table", "json"] as const;

/** Exit codes of `roster plan` (DESIGN "CLI contract"). */
export const PLAN_EXIT = { noChanges: 0, error: 1, changes: 2 } as const;

export function registerPlan(program: Command): void {
  addPassOptions(
    program
      .command("plan")
      .description(
        "Show what apply would change, nothing applied (exit 0 no changes, 2 changes, 1 error or unsafe)",
      ),
  )
    .option("-o, --output <format>", "table|json", "table")
    .addHelpText(
      "after",
      "\nExample:\n" +
        "  $ roster plan --source examples/acme\n" +
        "  $ roster plan --source examples/acme -o json --backend sqlite:/tmp/portal.db\n" +
        "  $ roster plan        # with --source and --backend from roster.yaml",
    )
    .action(async (flags: PassFlags & { output: string }, command: Command) => {
      const format = parseOutputFormat(flags.output, FORMATS);
      const result = await runPass(flags, { dryRun: true });
      checkSource(result, flags, { paint: paintFor(command, process.stderr) });
      const failed = reportObserveFailures(result);
      const plan = result.plan;
      if (plan === undefined) {
        process.exitCode = failed > 0 ? PLAN_EXIT.error : PLAN_EXIT.noChanges;
        return;
      }
      if (format === "json") printJson(planJson(plan));
      else {
        const options = { paint: paintFor(command), sourceWarnings: countWarnings(result.issues) };
        process.stdout.write(renderPlanTable(plan, options));
      }
      // Blocked steps are drift too: the backend is not yet what the source declares.
      const pending = plan.steps.length + plan.blocked.length > 0;
      process.exitCode =
        failed > 0 || !plan.safety.safe
          ? PLAN_EXIT.error
          : pending
            ? PLAN_EXIT.changes
            : PLAN_EXIT.noChanges;
    });
}
