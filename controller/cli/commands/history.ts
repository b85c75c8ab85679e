import type { Command } from "commander";
import type { HistoryEntry } from "../../audit/history.js";
import { buildHistory, skippedNote } from "../../audit/history.js";
import { renderCsv } from "../csv.js";
import { parseInstant } from "../dates.js";
import { addGitOptions } from "../git-options.js";
import { parseOutputFormat, printJson, renderTable } from "../output.js";
import type { RepoFlags } from "../repo.js";
import { openRepo } from "../repo.js";

interface HistoryFlags extends RepoFlags {
  org?: string;
  member?: string;
  since?: string;
  output: string;
}

const COLUMNS = ["commit", "date", "author", "pr", "org", "email", "change", "from", "to"] as const;

export function registerHistory(program: Command): void {
  const command = program
    .command("history")
    .description(
      "Every membership change in a repository's first-parent history (granted, roleChanged, ownershipTransferred, revoked) with commit, author and pull request",
    )
    .requiredOption(
      "--repo <repo>",
      "local repository path or Git URL (may carry #REF and //SUBDIR)",
    )
    .option("--ref <ref>", "branch, tag or commit to walk back from (default: HEAD)")
    .option("--path <dir>", "only files under this folder of the repository")
    .option("--org <org>", "only this organization")
    .option("--member <email>", "only this member")
    .option(
      "--since <date>",
      "only changes from this ISO date or time on (UTC unless a zone is given)",
    )
    .option("-o, --output <format>", "table|json|csv", "table");
  addGitOptions(command)
    .addHelpText(
      "after",
      "\nExample:\n" +
        "  $ roster history --repo . --org acme --since 2024-01-01 -o csv > acme.csv",
    )
    .action(async (flags: HistoryFlags) => {
      const format = parseOutputFormat(flags.output, ["table", "json", "csv"] as const);
      const since = flags.since === undefined ? undefined : parseInstant(flags.since, "--since");
      const { repository, sha, path } = await openRepo(flags);
      try {
        const report = await buildHistory(repository.history, {
          ref: sha,
          ...(path !== undefined ? { path } : {}),
          ...(flags.org !== undefined ? { org: flags.org } : {}),
          ...(flags.member !== undefined ? { member: flags.member } : {}),
          ...(since ? { since } : {}),
        });
        for (const skip of report.skipped) process.stderr.write(`roster: ${skippedNote(skip)}\n`);
        print(report.entries, format);
      } finally {
        await repository.close();
      }
    });
}

function print(entries: HistoryEntry[], format: "table" | "json" | "csv"): void {
  if (format === "json") return printJson(entries);
  if (format === "csv") {
    process.stdout.write(
      renderCsv(
        [...COLUMNS],
        entries.map((e) => COLUMNS.map((c) => e[c])),
      ),
    );
    return;
  }
  if (entries.length === 0) {
    process.stdout.write("No membership changes.\n");
    return;
  }
  const rows = entries.map((e) => [
    e.date,
    e.commit.slice(0, 12),
    e.pr === null ? "" : `#${e.pr}`,
    e.org,
    e.email,
    e.change,
    e.from ?? "",
    e.to ?? "",
    e.author,
  ]);
  process.stdout.write(
    renderTable(["DATE", "COMMIT", "PR", "ORG", "EMAIL", "CHANGE", "FROM", "TO", "AUTHOR"], rows),
  );
}
