import type { Command } from "commander";
import type { AccessReport } from "../../audit/access.js";
import { accessAt } from "../../audit/access.js";
import { skippedNote } from "../../audit/history.js";
import { formatApplied } from "../../audit/leavers.js";
import type { JournalEntry } from "../../model/index.js";
import { parseInstant } from "../dates.js";
import { addGitOptions } from "../git-options.js";
import { parseOutputFormat, printJson, renderTable } from "../output.js";
import type { RepoFlags } from "../repo.js";
import { openRepo } from "../repo.js";

interface AccessFlags extends RepoFlags {
  at: string;
  org?: string;
  backend?: string;
  output: string;
}

export function registerAccess(program: Command): void {
  const command = program
    .command("access")
    .description(
      "Who held which role at an instant according to Git, the commit that granted it, and (with --backend) when the backend applied it",
    )
    .requiredOption(
      "--repo <repo>",
      "local repository path or Git URL (may carry #REF and //SUBDIR)",
    )
    .requiredOption("--at <date>", "ISO date or time (UTC unless a zone is given; a date is 00:00)")
    .option("--ref <ref>", "branch, tag or commit whose history is read (default: HEAD)")
    .option("--path <dir>", "only files under this folder of the repository")
    .option("--org <org>", "only this organization")
    .option(
      "--backend <uri>",
      "also read the controller journal of this backend (e.g. sqlite:.roster/portal.db)",
    )
    .option("-o, --output <format>", "table|json", "table");
  addGitOptions(command)
    .addHelpText(
      "after",
      "\nExample:\n" +
        "  $ roster access --repo . --at 2024-03-01T12:00:00Z --org acme \\\n" +
        "      --backend sqlite:.roster/portal.db",
    )
    .action(async (flags: AccessFlags) => {
      const format = parseOutputFormat(flags.output, ["table", "json"] as const);
      const at = parseInstant(flags.at, "--at");
      const journal = flags.backend === undefined ? undefined : await readJournal(flags.backend);
      const { repository, sha, path } = await openRepo(flags);
      try {
        const report = await accessAt(repository.history, {
          ref: sha,
          at,
          ...(path !== undefined ? { path } : {}),
          ...(flags.org !== undefined ? { org: flags.org } : {}),
          ...(journal ? { journal } : {}),
        });
        for (const skip of report.skipped) process.stderr.write(`roster: ${skippedNote(skip)}\n`);
        if (report.revision === null) {
          process.stderr.write(`roster: note: no commit on or before ${report.at}\n`);
        }
        print(report, format, journal !== undefined);
      } finally {
        await repository.close();
      }
    });
}

async function readJournal(uri: string): Promise<JournalEntry[]> {
  // Loaded only with --backend: the backends' modules cost a second of startup otherwise.
  const { openBackend } = await import("../backend-uri.js");
  const opened = await openBackend(uri, { create: false });
  try {
    return await opened.state.readJournal();
  } finally {
    await opened.close();
  }
}

function print(report: AccessReport, format: "table" | "json", withJournal: boolean): void {
  if (format === "json") {
    const { at, revision, members } = report;
    return printJson({ at, revision, members });
  }
  process.stdout.write(`At ${report.at}, revision ${report.revision ?? "(none)"}\n`);
  const headers = ["ORG", "EMAIL", "ROLE", "GRANTED IN"];
  if (withJournal) headers.push("APPLIED AT");
  const rows = report.members.map((m) => {
    const row = [m.org, m.email, m.role, m.grantedIn.slice(0, 12)];
    if (withJournal) row.push(m.gap ? "GAP: never applied" : formatApplied(m));
    return row;
  });
  process.stdout.write(renderTable(headers, rows));
}
