import type { Command } from "commander";
import type { Role } from "../../model/index.js";
import { PERMISSIONS, ROLES, isRole } from "../../model/index.js";
import { UsageError } from "../errors.js";
import { parseOutputFormat, printJson, renderTable } from "../output.js";

const FORMATS = ["table", "json"] as const;
/** The seed's column order: Owner, Admin, Member. */
const COLUMNS: readonly Role[] = ["owner", "admin", "member"];

export function registerPermissions(program: Command): void {
  program
    .command("permissions")
    .description("Print the role permission matrix (R9), from the same table the backend enforces")
    .option("--role <role>", `only this role's column (${ROLES.join(", ")})`)
    .option("-o, --output <format>", "table|json", "table")
    .addHelpText(
      "after",
      "\nExample:\n  $ roster permissions\n  $ roster permissions --role admin -o json",
    )
    .action((flags: { role?: string; output: string }) => {
      const format = parseOutputFormat(flags.output, FORMATS);
      const { role } = flags;
      if (role !== undefined && !isRole(role)) {
        throw new UsageError(`unknown role "${role}" (use one of: ${COLUMNS.join(", ")})`);
      }
      const roles: readonly Role[] = role !== undefined ? [role] : COLUMNS;
      if (format === "json") {
        printJson(
          PERMISSIONS.map((p) => ({
            permission: p.label,
            ...Object.fromEntries(roles.map((r) => [r, p[r]])),
          })),
        );
        return;
      }
      process.stdout.write(
        renderTable(
          ["PERMISSION", ...roles.map((r) => r.toUpperCase())],
          PERMISSIONS.map((p) => [p.label, ...roles.map((r) => (p[r] ? "yes" : "no"))]),
        ),
      );
    });
}
