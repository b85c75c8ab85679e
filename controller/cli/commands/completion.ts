import type { Command } from "commander";
import { completionScript, SHELLS } from "../completion.js";
import type { Shell } from "../completion.js";
import { UsageError } from "../errors.js";
import { closest } from "../../schema/messages.js";

export function registerCompletion(program: Command): void {
  program
    .command("completion")
    .description("Print the shell completion script for bash, zsh or fish")
    .argument("<shell>", SHELLS.join("|"))
    .addHelpText(
      "after",
      "\nExample:\n" +
        "  $ source <(roster completion bash)      # add to ~/.bashrc\n" +
        "  $ source <(roster completion zsh)       # add to ~/.zshrc\n" +
        "  $ roster completion fish > ~/.config/fish/completions/roster.fish",
    )
    .action((shell: string) => {
      if (!(SHELLS as readonly string[]).includes(shell)) {
        const guess = closest(shell, SHELLS);
        throw new UsageError(
          `no completion for "${shell}"` +
            (guess ? ` (did you mean ${guess}?)` : `: use one of ${SHELLS.join(", ")}`),
        );
      }
      process.stdout.write(completionScript(shell as Shell, program));
    });
}
