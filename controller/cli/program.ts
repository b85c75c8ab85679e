import { Command } from "commander";
import { createRequire } from "node:module";
import { registerCommands } from "./commands/index.js";
import { applySettings } from "./settings.js";

const require = createRequire(import.meta.url);

function packageVersion(): string {
  // dist/controller/cli/program.js → ../../../package.json, the same from controller/cli/ under tsx.
  for (const candidate of ["../../../package.json", "../../package.json"]) {
    try {
      return (require(candidate) as { version: string }).version;
    } catch {
      // try the next layout
    }
  }
  return "0.0.0";
}

export function buildProgram(): Command {
  const program = new Command("roster")
    .description(
      "Roster manages who belongs to your Workjet organizations, as code: declare members in " +
        "Git, check every pull request against the organization's role rules, reconcile " +
        "continuously.",
    )
    .version(packageVersion(), "-V, --version")
    .option("--no-color", "plain output, also when stdout is a terminal (or set NO_COLOR)")
    .showHelpAfterError("(run with --help for usage)")
    .configureHelp({ sortSubcommands: false })
    .addHelpText(
      "after",
      "\nExample:\n" +
        "  $ roster init access && cd access   # an access repository with roster.yaml\n" +
        "  $ roster plan                       # --source, --backend from roster.yaml\n" +
        "\nSettings: flags, then ROSTER_SOURCE / ROSTER_BACKEND / ROSTER_MAILER, then\n" +
        "roster.yaml (found upward from the working directory); `roster config` shows\n" +
        "them.",
    )
    // Before any action: --source/--backend/--mailer from the environment or roster.yaml.
    .hook("preAction", (_root, action) => applySettings(action));
  registerCommands(program);
  return program;
}
