import type { Command } from "commander";
import { existsSync } from "node:fs";
import { DEFAULT_BACKEND_URI, openBackend } from "../backend-uri.js";
import { redactUrls } from "../../model/index.js";
import { UsageError } from "../errors.js";
import { adviseGitignore } from "../gitignore-advice.js";
import { cliActor } from "../portal-support.js";

/**
 * `roster portal init`: the one way besides a first `roster apply` to create the embedded
 * store — for `roster serve`, or to plan against nothing. Running it again changes nothing.
 */
export function registerPortalInit(portal: Command): void {
  portal
    .command("init")
    .description("Create an empty embedded Portal store (what serve and plan then open)")
    .option(
      "--backend <uri>",
      "the embedded Portal store to create (or ROSTER_BACKEND, roster.yaml)",
      DEFAULT_BACKEND_URI,
    )
    .addHelpText(
      "after",
      "\nExample:\n" +
        "  $ roster portal init\n" +
        "  $ roster portal init --backend sqlite:/srv/roster/portal.db",
    )
    .action(async (flags: { backend: string }) => {
      if (!flags.backend.startsWith("sqlite:")) {
        throw new UsageError(
          `roster portal init creates an embedded store (sqlite:PATH), not ${redactUrls(flags.backend)}`,
        );
      }
      const file = flags.backend.slice("sqlite:".length);
      const existed = file !== "" && existsSync(file);
      const opened = await openBackend(flags.backend, {
        create: true,
        onCreate: (path) => adviseGitignore(path),
      });
      try {
        if (existed) {
          const orgs = opened.store?.listOrganizations(cliActor("init")).length ?? 0;
          process.stdout.write(
            `${file} already holds a Portal store (${orgs} organization${orgs === 1 ? "" : "s"}): nothing changed\n`,
          );
        } else {
          process.stdout.write(`created an empty Portal store at ${file}\n`);
        }
      } finally {
        await opened.close();
      }
    });
}
