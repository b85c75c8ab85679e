import type { Command } from "commander";

/** Every command module registers itself here; one line per command keeps merges trivial. */
export function registerCommands(program: Command): void {
  void program;
}
