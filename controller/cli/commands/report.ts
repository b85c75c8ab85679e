import type { Command } from "commander";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildHistory, skippedNote } from "../../audit/history.js";
import { leaverGaps, summarizeLeavers } from "../../audit/leavers.js";
import { buildAccessReview } from "../../audit/review.js";
import type { JournalEntry } from "../../model/index.js";
import type { GitFlags } from "../git-options.js";
import { addGitOptions } from "../git-options.js";
import { openRepo } from "../repo.js";
import type { OrgReport } from "../report/render-report.js";
import { renderReportHtml } from "../report/render-report.js";

interface ReportFlags extends GitFlags {
  repo: string;
  ref?: string;
  path?: string;
  out: string;
  org?: string;
  backend?: string;
}

export function registerReport(program: Command): void {
  const command = program
    .command("report")
    .description(
      "Write an auditor's report as static HTML (DIR/index.html, opens from disk, no requests): per organization who has access now, a drawn timeline of grants, role changes and revocations, leaver gaps and the review status",
    )
    .requiredOption(
      "--repo <repo>",
      "local repository path or Git URL (may carry #REF and //SUBDIR)",
    )
    .requiredOption("--out <dir>", "folder to write index.html into (created if missing)")
    .option("--org <org>", "only this organization")
    .option(
      "--backend <uri>",
      "read the controller journal: when the backend applied each revocation",
    )
    .option("--ref <ref>", "branch, tag or commit whose history is read (default: HEAD)")
    .option("--path <dir>", "only files under this folder of the repository");
  addGitOptions(command)
    .addHelpText(
      "after",
      "\nExample:\n  $ roster report --repo . --out audit-q1 --backend sqlite:portal.db\n",
    )
    .action(async (flags: ReportFlags) => {
      const now = new Date();
      const journal = flags.backend === undefined ? [] : await readJournal(flags.backend);
      const { repository, sha, path } = await openRepo(flags);
      const scope = { ref: sha, until: now, ...(path !== undefined ? { path } : {}) };
      try {
        const all = await buildHistory(repository.history, scope);
        for (const skip of all.skipped) process.stderr.write(`roster: ${skippedNote(skip)}\n`);
        const names = [...all.state.keys()]
          .filter((o) => flags.org === undefined || o === flags.org)
          .sort();
        const orgs: OrgReport[] = [];
        for (const org of names) {
          const review = await buildAccessReview(repository.history, { ...scope, org, at: now });
          const leavers = leaverGaps(review.history, journal);
          orgs.push({ review, leavers, leaverSummary: summarizeLeavers(leavers) });
        }
        const html = renderReportHtml({
          generatedAt: now.toISOString().replace(/\.\d{3}Z$/, "Z"),
          repo: flags.repo,
          withJournal: flags.backend !== undefined,
          orgs,
        });
        mkdirSync(flags.out, { recursive: true });
        // Written whole, then renamed: a reader never sees half a report. The folder may be
        // shared: a leftover or planted `.tmp` (a link to another file) is removed, never
        // written through, and the exclusive create fails if one reappears meanwhile.
        const file = join(flags.out, "index.html");
        rmSync(`${file}.tmp`, { force: true });
        writeFileSync(`${file}.tmp`, html, { flag: "wx" });
        renameSync(`${file}.tmp`, file);
        process.stdout.write(
          `wrote ${file} (${orgs.length} organization${orgs.length === 1 ? "" : "s"})\n`,
        );
      } finally {
        await repository.close();
      }
    });
}

async function readJournal(uri: string): Promise<JournalEntry[]> {
  const { openBackend } = await import("../backend-uri.js");
  const opened = await openBackend(uri, { create: false });
  try {
    return await opened.state.readJournal();
  } finally {
    await opened.close();
  }
}
