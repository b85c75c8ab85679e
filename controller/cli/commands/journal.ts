import type { Command } from "commander";
import { verifyJournal } from "../../audit/journal-verify.js";
import { DEFAULT_BACKEND_URI, openBackend } from "../backend-uri.js";
import { UsageError } from "../errors.js";

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
      "Recompute the hash chain; report the first edited, reordered or deleted entry (exit 1)",
    )
    .option("--backend <uri>", "backend whose journal is checked", DEFAULT_BACKEND_URI)
    .option(
      "--head <hash>",
      "a head hash printed by an earlier verify: fail if the journal no longer contains it",
    )
    .addHelpText(
      "after",
      "\nExample:\n  $ roster journal verify --backend sqlite:.roster/portal.db",
    )
    .action(async (flags: { backend: string; head?: string }) => {
      const opened = await openBackend(flags.backend, { create: false });
      try {
        if (flags.head !== undefined && !/^[0-9a-f]{64}$/i.test(flags.head)) {
          throw new UsageError(`--head must be a 64-digit hex hash, as printed by journal verify`);
        }
        const verdict = verifyJournal(await opened.state.readJournal(), {
          ...(flags.head !== undefined ? { knownHead: flags.head } : {}),
        });
        if (!verdict.ok) {
          throw new UsageError(
            `journal tampered: ${verdict.message} (${verdict.count} entries read)`,
            1,
          );
        }
        process.stdout.write(`journal intact: ${verdict.count} entries, head ${verdict.head}\n`);
      } finally {
        await opened.close();
      }
    });
}
