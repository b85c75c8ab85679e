import type { Command } from "commander";
import { recoverIntents } from "../../apply/index.js";
import type { JournalVerdict, VerifyOptions } from "../../audit/journal-verify.js";
import { verifyJournal } from "../../audit/journal-verify.js";
import { parseHead } from "../../model/index.js";
import type { OpenedBackend } from "../backend-uri.js";
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
    .option(
      "--expect-head <seq:hash>",
      "the entry count and head an earlier verify printed (N:HASH): fail unless entry N still has that hash",
    )
    .addHelpText(
      "after",
      "\nExamples:\n  $ roster journal verify --backend sqlite:.roster/portal.db\n" +
        "  $ roster journal verify --expect-head 1042:9f2c…   # the N:HASH you recorded",
    )
    .action(
      async (flags: { backend: string; head?: string; expectHead?: string } & JournalKeyFlags) => {
        const key = journalKeyOf(flags);
        if (flags.head !== undefined && !/^[0-9a-f]{64}$/i.test(flags.head)) {
          throw new UsageError(`--head must be a 64-digit hex hash, as printed by journal verify`);
        }
        const expectHead = flags.expectHead === undefined ? undefined : parseHead(flags.expectHead);
        if (expectHead === null) {
          throw new UsageError(
            "--expect-head must be N:HASH, the entry count and the 64-digit head an earlier journal verify printed",
          );
        }
        const options: VerifyOptions = {
          ...(flags.head !== undefined ? { knownHead: flags.head } : {}),
          ...(expectHead !== undefined ? { expectHead } : {}),
          ...(key !== undefined ? { key } : {}),
        };
        const verdict = await withJournal(flags.backend, key, (opened) =>
          verifyAndRecover(opened, options),
        );
        if (!verdict.ok) {
          throw new UsageError(
            `journal tampered: ${verdict.message} (${verdict.count} entries read)`,
            JOURNAL_EXIT.tampered,
          );
        }
        process.stdout.write(`journal intact: ${verdict.count} entries, head ${verdict.head}\n`);
      },
    );
}

/**
 * Verifies the chain as stored; when it is intact, resolves the intents of interrupted writes
 * against the backend (as the next apply would) and verifies again, so the verdict covers the
 * outcomes it appended. Writes in flight (their writer may be alive) are left open and named.
 */
async function verifyAndRecover(
  opened: OpenedBackend,
  options: VerifyOptions,
): Promise<JournalVerdict> {
  const read = async () =>
    verifyJournal(await opened.state.readChain(), {
      ...options,
      anchor: await opened.state.recordedHead(),
    });
  const first = await read();
  if (!first.ok || first.openIntents === undefined) return first;
  let recovered = 0;
  try {
    recovered = (await recoverIntents(opened.backend, opened.state)).recovered.length;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`warning: interrupted writes not resolved: ${message}\n`);
  }
  const verdict = recovered > 0 ? await read() : first;
  if (recovered > 0) {
    process.stderr.write(
      `resolved ${recovered} interrupted write(s) against ${opened.backend.describe}: journaled as recovered\n`,
    );
  }
  if (verdict.ok && verdict.openIntents !== undefined) {
    process.stderr.write(
      `note: ${verdict.openIntents.length} write(s) in flight or not resolvable yet (intent seq ${verdict.openIntents.join(", ")})\n`,
    );
  }
  return verdict;
}

/** "Cannot check" (exit 3: no store, unreadable) is not "tampered" (exit 1): scripts tell them apart. */
async function withJournal<T>(
  backend: string,
  key: Uint8Array | undefined,
  body: (opened: OpenedBackend) => Promise<T>,
): Promise<T> {
  let opened: OpenedBackend;
  try {
    opened = await openBackend(backend, { create: false, ...(key ? { journalKey: key } : {}) });
  } catch (error) {
    throw cannotVerify(error);
  }
  try {
    return await body(opened);
  } catch (error) {
    throw error instanceof UsageError ? error : cannotVerify(error);
  } finally {
    await opened.close();
  }
}

function cannotVerify(error: unknown): UsageError {
  const message = error instanceof Error ? error.message : String(error);
  return new UsageError(`cannot verify the journal: ${message}`, JOURNAL_EXIT.cannotVerify);
}
