import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import type { PortalStore } from "../adapters/backends/sqlite/store.js";
import type { Actor } from "../adapters/backends/sqlite/store-types.js";
import { BackendError } from "../model/index.js";
import { DEFAULT_BACKEND_URI, openBackend } from "./backend-uri.js";
import { redactUrls } from "../model/index.js";
import { UsageError } from "./errors.js";
import { parseOutputFormat } from "./output.js";

export interface PortalFlags {
  backend: string;
  output: string;
}

export const OUTPUT_FORMATS = ["table", "json"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** `--backend` and `-o` on every `roster portal` subcommand. */
export function addPortalOptions(command: Command): Command {
  return command
    .option("--backend <uri>", "the embedded Portal store", DEFAULT_BACKEND_URI)
    .option("-o, --output <format>", "table|json", "table");
}

export function outputFormat(flags: PortalFlags): OutputFormat {
  try {
    return parseOutputFormat(flags.output, OUTPUT_FORMATS);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The CLI acts on the file it opened: Roster's own (system) authority, named for the audit. */
export function cliActor(command: string): Actor {
  return { kind: "system", name: `roster portal ${command}` };
}

/**
 * Opens the store behind `--backend` (never creating one: these commands only make sense on
 * a store `roster apply` set up), runs `body`, and turns the store's refusals into plain
 * messages (exit 1).
 */
export async function withStore<T>(
  flags: PortalFlags,
  body: (store: PortalStore) => T | Promise<T>,
): Promise<T> {
  const opened = await openBackend(flags.backend, { create: false });
  try {
    if (!opened.store) {
      throw new UsageError(
        `roster portal works on the embedded store (sqlite:PATH); ${redactUrls(flags.backend)} is not one`,
      );
    }
    return await body(opened.store);
  } catch (error) {
    if (error instanceof BackendError && !error.transient) throw new UsageError(error.message);
    throw error;
  } finally {
    await opened.close();
  }
}

/** An unknown organization, said with the names that do exist. */
export function requireOrganization(store: PortalStore, org: string, backend: string): void {
  if (store.organization(cliActor("lookup"), org)) return;
  const known = store.listOrganizations(cliActor("lookup")).map((o) => o.name);
  throw new UsageError(
    `no organization "${org}" in ${redactUrls(backend)}` +
      (known.length > 0 ? ` (known: ${known.join(", ")})` : " (it holds no organization yet)"),
  );
}

/** Walks every page of a cursor-paginated list. */
export function allPages<T>(
  fetch: (cursor: string | undefined) => { items: T[]; nextCursor?: string },
): T[] {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = fetch(cursor);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return items;
}

export function positiveInteger(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError("expected a whole number ≥ 1");
  return Number(value);
}
