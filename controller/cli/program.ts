import { Command } from "commander";
import { createRequire } from "node:module";
import { registerCommands } from "./commands/index.js";

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
      "Roster manages who belongs to your Workjet organizations, as code: declare members in Git,\n" +
        "check every pull request against the organization's role rules, reconcile continuously.",
    )
    .version(packageVersion(), "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    .configureHelp({ sortSubcommands: false });
  registerCommands(program);
  return program;
}
