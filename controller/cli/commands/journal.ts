import type { Command } from "commander";
import { verifyJournal } from "../../audit/journal-verify.js";
import type { JournalEntry } from "../../model/index.js";
import { DEFAULT_BACKEND_URI, openBackend } from "../backend-uri.js";
import { UsageError } from "../errors.js";
import type { JournalKeyFlags } from "../journal-key.js";
import { journalKeyOf } from "../journal-key.js";

/** Exit codes of `roster journal verify` (README "Commands"). */
export const JOURNAL_EXIT = { intact: 0, tampered: 1, cannotVerify: 3 } as const;

export function registerJournal(program: Command): void {
  const journal = program
    .command("journal")
    .description("The controller's tamper-evident journal of applied steps")
    .addHelpText(
      "after",
      "\nExample:\n  $ roster journal verify --backend sqlite:.roster/portal.db",
    );
  journal
    .command("verify")
    .description(
      "Recompute the hash chain; report the first edited, reordered or deleted entry " +
        "(exit 0 intact, 1 tampered, 3 cannot verify: no store or unreadable)",
    )
    .option("--backend <uri>", "backend whose journal is checked", DEFAULT_BACKEND_URI)
    .option(
      "--journal-key-file <file>",
      "key of the journal's HMAC chain (or set ROSTER_JOURNAL_KEY): detects a rewritten, re-chained journal",
    )
    .option(
      "--head <hash>",
      "a head hash printed by an earlier verify: fail if the journal no longer contains it",
    )
    .addHelpText(
      "after",
      "\nExample:\n  $ roster journal verify --backend sqlite:.roster/portal.db",
    )
    .action(async (flags: { backend: string; head?: string } & JournalKeyFlags) => {
      const key = journalKeyOf(flags);
      if (flags.head !== undefined && !/^[0-9a-f]{64}$/i.test(flags.head)) {
        throw new UsageError(`--head must be a 64-digit hex hash, as printed by journal verify`);
      }
      const entries = await readEntries(flags.backend);
      const verdict = verifyJournal(entries, {
        ...(flags.head !== undefined ? { knownHead: flags.head } : {}),
        ...(key !== undefined ? { key } : {}),
      });
      if (!verdict.ok) {
        throw new UsageError(
          `journal tampered: ${verdict.message} (${verdict.count} entries read)`,
          JOURNAL_EXIT.tampered,
        );
      }
      process.stdout.write(`journal intact: ${verdict.count} entries, head ${verdict.head}\n`);
    });
}

/** "Cannot check" (exit 3: no store, unreadable) is not "tampered" (exit 1): scripts tell them apart. */
async function readEntries(backend: string): Promise<JournalEntry[]> {
  try {
    const opened = await openBackend(backend, { create: false });
    try {
      return await opened.state.readJournal();
    } finally {
      await opened.close();
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(`cannot verify the journal: ${message}`, JOURNAL_EXIT.cannotVerify);
  }
}
