import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { UsageError } from "./errors.js";

export interface JournalKeyFlags {
  journalKeyFile?: string;
}

/** `--journal-key-file`: the key of the journal's HMAC chain, kept outside the database. */
export function addJournalKeyOption(command: Command): Command {
  return command.option(
    "--journal-key-file <file>",
    "key of the journal's HMAC chain, kept outside the database (or set ROSTER_JOURNAL_KEY)",
  );
}

/**
 * The journal key from `--journal-key-file`, else `ROSTER_JOURNAL_KEY`; undefined when neither
 * is set (a plain SHA-256 chain). Never printed.
 */
export function journalKeyOf(
  flags: JournalKeyFlags,
  env: NodeJS.ProcessEnv = process.env,
): Uint8Array | undefined {
  let text: string | undefined;
  if (flags.journalKeyFile !== undefined) {
    try {
      text = readFileSync(flags.journalKeyFile, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
      throw new UsageError(`cannot read --journal-key-file ${flags.journalKeyFile} (${code})`);
    }
  } else {
    text = env.ROSTER_JOURNAL_KEY;
  }
  if (text === undefined) return undefined;
  const key = text.trim();
  if (key.length < 16) {
    throw new UsageError(
      "the journal key must be at least 16 characters (e.g. `openssl rand -hex 32 > journal.key`)",
    );
  }
  return Buffer.from(key, "utf8");
}
