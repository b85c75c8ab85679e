import { Argument, type Command } from "commander";
import type { Issue, SourceSnapshot } from "../../model/index.js";
import { hasErrors } from "../../model/index.js";
import { validateSnapshot } from "../../load/index.js";
import { addGitOptions, gitAccessOptions } from "../git-options.js";
import type { GitFlags } from "../git-options.js";
import { paintFor } from "../colors.js";
import { issueLine } from "../issue-text.js";
import { parseOutputFormat, printJson } from "../output.js";
import { configuredSource } from "../settings.js";
import { openSource } from "../source-uri.js";

const FORMATS = ["table", "json"] as const;

export function registerValidate(program: Command): void {
  addGitOptions(
    program
      .command("validate")
      .description(
        "Check Organization and Member YAML against the schema and the rules (exit 0 valid, warnings allowed; 1 invalid)",
      )
      .addArgument(
        new Argument(
          "[paths...]",
          "folders or files (or Git sources) read together as one tree",
        ).default(["."], "the source of roster.yaml, else ."),
      ),
  )
    .option("-o, --output <format>", "table|json", "table")
    .addHelpText(
      "after",
      "\nExample:\n" +
        "  $ roster validate examples/acme\n" +
        "  $ roster validate members/ orgs.yaml -o json\n" +
        "  $ roster validate     # the source of roster.yaml (or ROSTER_SOURCE), else .",
    )
    .action(async (given: string[], flags: GitFlags & { output: string }, command: Command) => {
      // `text` was this command's name for the table: still accepted, no longer shown.
      const format = parseOutputFormat(flags.output === "text" ? "table" : flags.output, FORMATS);
      const configured = command.args.length === 0 ? configuredSource() : undefined;
      const paths = configured !== undefined ? [configured] : given;
      const paint = paintFor(command);
      const snapshot = await readAll(paths, flags);
      const result = validateSnapshot(snapshot, {
        describe: paths.join(" "),
        now: new Date(),
      });
      const valid = !hasErrors(result.issues);
      if (format === "json") {
        printJson({ valid, issues: result.issues.map(jsonIssue) });
      } else {
        for (const issue of result.issues) process.stdout.write(`${issueLine(issue, paint)}\n`);
        process.stdout.write(
          `${summary(valid, result.issues, snapshot.files.length, result.counts)}\n`,
        );
      }
      process.exitCode = valid ? 0 : 1;
    });
}

/** Several paths form one tree: cross-file rules (owners, duplicates) see all of them. */
async function readAll(paths: string[], flags: GitFlags): Promise<SourceSnapshot> {
  const git = gitAccessOptions(flags);
  const snapshots: SourceSnapshot[] = [];
  for (const path of paths) snapshots.push(await openSource(path, git).read());
  if (snapshots.length === 1) return snapshots[0] as SourceSnapshot;
  const files = new Map<string, SourceSnapshot["files"][number]>();
  const oversized = new Map<string, SourceSnapshot["oversized"][number]>();
  for (const s of snapshots) {
    for (const f of s.files) files.set(f.path, f);
    for (const o of s.oversized) oversized.set(o.path, o);
  }
  return {
    revision: snapshots.map((s) => s.revision).join("+"),
    files: [...files.values()],
    oversized: [...oversized.values()],
  };
}

/** The documented `-o json` issue: `hint` only when there is one. */
function jsonIssue(issue: Issue): Issue {
  const { file, line, col, rule, severity, message, hint } = issue;
  return hint
    ? { file, line, col, rule, severity, message, hint }
    : { file, line, col, rule, severity, message };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

function summary(
  valid: boolean,
  issues: readonly Issue[],
  files: number,
  counts: { organizations: number; members: number },
): string {
  const errors = issues.filter((i) => i.severity === "error").length;
  const warnings = issues.length - errors;
  const declared = `${plural(counts.organizations, "organization")}, ${plural(counts.members, "member")} in ${plural(files, "file")}`;
  if (valid) return `valid: ${declared}${warnings > 0 ? ` (${plural(warnings, "warning")})` : ""}`;
  return `invalid: ${plural(errors, "error")}${warnings > 0 ? `, ${plural(warnings, "warning")}` : ""} (${declared})`;
}
