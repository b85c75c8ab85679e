import type { Command } from "commander";
import type { Paint } from "./colors.js";
import { InvalidArgumentError } from "commander";
import { reconcile } from "../reconcile/index.js";
import type { ReconcileObserver, ReconcileOptions, ReconcileResult } from "../reconcile/index.js";
import { DEFAULT_BACKEND_URI, openBackend } from "./backend-uri.js";
import { UsageError } from "./errors.js";
import type { GitFlags } from "./git-options.js";
import { addGitOptions, gitAccessOptions } from "./git-options.js";
import { undeliveredWarnings, type MailReport } from "./mail-report.js";
import { addMailerOptions, mailerOpenOptions, type MailerFlags } from "./mailer-options.js";
import { adviseGitignore } from "./gitignore-advice.js";
import { issueLine } from "./issue-text.js";
import { requireSetting } from "./settings.js";
import { openSource } from "./source-uri.js";
import type { JournalKeyFlags } from "./journal-key.js";
import { addJournalKeyOption, journalKeyOf } from "./journal-key.js";

/** The journal key as openBackend options (nothing when none is configured). */
export function journalKeyOption(flags: JournalKeyFlags): { journalKey?: Uint8Array } {
  const journalKey = journalKeyOf(flags);
  return journalKey === undefined ? {} : { journalKey };
}

/** The flags `roster plan` and `roster apply` share. */
export interface PassFlags extends GitFlags, MailerFlags, JournalKeyFlags {
  source: string;
  backend: string;
  maxRemovals?: number;
  tokenFile?: string;
  /** `--state sqlite:PATH` (see backend-uri.ts). */
  state?: string;
}

export function addPassOptions(command: Command): Command {
  command
    .option(
      "--source <source>",
      "folder, Git URL or path (#REF, //SUBDIR), or kubernetes (or ROSTER_SOURCE, roster.yaml)",
    )
    .option(
      "--backend <uri>",
      "identity backend (or ROSTER_BACKEND, roster.yaml)",
      DEFAULT_BACKEND_URI,
    )
    .option("--token-file <file>", "API key for an http(s) backend (or set ROSTER_TOKEN)")
    .option(
      "--state <uri>",
      "sqlite:PATH: controller state for a backend without marks (google:): the managed set and journal",
    )
    .option(
      "--max-removals <n>",
      "allow up to N removals per organization, overriding every safety.maxRemovals",
      nonNegativeInteger,
    );
  return addJournalKeyOption(addMailerOptions(addGitOptions(requireSetting(command, "source"))));
}

export function nonNegativeInteger(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("expected a whole number ≥ 0");
  return Number(value);
}

export function positiveInteger(value: string): number {
  const n = nonNegativeInteger(value);
  if (n === 0) throw new InvalidArgumentError("expected a whole number ≥ 1");
  return n;
}

/** A pass, and what its invitation mail came to (embedded store only). */
export interface PassResult extends ReconcileResult {
  mail?: MailReport;
}

/**
 * Reads the source, observes the backend, plans, and (unless dryRun) applies: one pass. With
 * the embedded store, an apply then delivers the outbox (waiting up to `mailWaitMs` for
 * retries) and a dry run lists the invitations whose mail is not delivered as plan warnings.
 */
export async function runPass(
  flags: PassFlags,
  options: Omit<ReconcileOptions, "maxRemovalsOverride"> & { mailWaitMs?: number },
  observer?: ReconcileObserver,
): Promise<PassResult> {
  const source = openSource(flags.source, gitAccessOptions(flags));
  // Mail goes out right after each invitation commits and in the drain below: count both.
  const delivered: string[] = [];
  const opened = await openBackend(flags.backend, {
    onMailAttempt: (attempt) => {
      if (attempt.result === "delivered") delivered.push(attempt.org);
    },
    tokenFile: flags.tokenFile,
    ...(flags.state === undefined ? {} : { stateUri: flags.state }),
    // Only apply creates the embedded store: a plan against a mistyped path is an error.
    create: !options.dryRun,
    onCreate: (file) => adviseGitignore(file),
    ...mailerOpenOptions(flags),
    ...journalKeyOption(flags),
  });
  try {
    const managedState = opened.managedState;
    const result: PassResult = await reconcile(
      {
        source,
        backend: opened.backend,
        state: opened.state,
        ...(managedState ? { managedState } : {}),
        observer,
      },
      { ...options, maxRemovalsOverride: flags.maxRemovals },
    );
    const store = opened.store;
    if (store === undefined || result.plan === undefined) return result;
    const orgs = new Set(result.orgs.map((o) => o.org));
    if (options.dryRun) {
      const undelivered = store.undeliveredMail().filter((m) => orgs.has(m.org));
      result.plan.warnings.push(...undeliveredWarnings(undelivered));
      return result;
    }
    const report = await store.mail?.drain({
      waitMs: options.mailWaitMs ?? 0,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (report) {
      result.mail = {
        via: store.mail?.describe ?? "",
        delivered: delivered.filter((org) => orgs.has(org)).length,
        undelivered: report.undelivered.filter((m) => orgs.has(m.org)),
      };
    }
    return result;
  } finally {
    await opened.close();
  }
}

/**
 * What stops a pass before any plan: an unreadable source or invalid resources. Prints the
 * issues (warnings too) on stderr unless an observer already did; throws a UsageError (exit 1)
 * when the pass cannot go on.
 */
export function checkSource(
  result: ReconcileResult,
  flags: PassFlags,
  options: { issuesPrinted?: boolean; paint?: Paint } = {},
): void {
  if (result.sourceError) {
    // Sources that already name themselves ("cannot read source X: …") are not prefixed twice.
    const message = result.sourceError.message;
    throw new UsageError(
      message.startsWith("cannot read source")
        ? message
        : `cannot read source ${flags.source}: ${message}`,
    );
  }
  if (!options.issuesPrinted) {
    for (const issue of result.issues) process.stderr.write(`${issueLine(issue, options.paint)}\n`);
  }
  const errors = result.issues.filter((i) => i.severity === "error").length;
  if (errors > 0) {
    throw new UsageError(
      `${errors} error${errors === 1 ? "" : "s"} in ${flags.source}: nothing planned or applied`,
    );
  }
}

/** Orgs the backend could not be read for: reported on stderr, each one fails the command. */
export function reportObserveFailures(result: ReconcileResult): number {
  const failed = result.orgs.filter((o) => o.status === "failed");
  for (const o of failed) {
    const retry = o.error?.transient ? " (temporary: try again)" : "";
    process.stderr.write(
      `roster: ${o.org}: cannot read the backend: ${o.error?.message ?? "unknown error"}${retry}\n`,
    );
  }
  return failed.length;
}
