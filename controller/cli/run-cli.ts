import { CommanderError } from "commander";
import type { Command } from "commander";
import { exitCodeFor, printError } from "./errors.js";
import { buildProgram } from "./program.js";

/** Every command of the tree, the root first: help, completion and tests walk the same list. */
export function allCommands(root: Command): Command[] {
  return [root, ...root.commands.flatMap((c) => allCommands(c))];
}

/**
 * Runs `roster ARGV` (without `node` and the script) and returns the exit code instead of
 * exiting, so tests can call it in-process. Commander's own errors (unknown option, missing
 * argument) and `--help` come back as codes too.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  // exitOverride is not inherited by commands added before it: set it on every one.
  for (const command of allCommands(program)) command.exitOverride();
  const previous = process.exitCode;
  process.exitCode = undefined;
  try {
    await program.parseAsync([...argv], { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    // Commander printed its message already (help, unknown option, ...).
    if (error instanceof CommanderError) return error.exitCode;
    printError(error);
    return exitCodeFor(error);
  } finally {
    process.exitCode = previous;
  }
}
