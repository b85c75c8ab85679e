import type { Command } from "commander";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { GitAccessOptions } from "../adapters/sources/git.js";
import { tokenCredential } from "../adapters/sources/git-cli.js";
import { UsageError } from "./errors.js";

export const DEFAULT_GIT_CACHE = ".roster/cache/git";

export interface GitFlags {
  gitTokenFile?: string;
  gitCache?: string;
}

/** `--git-token-file` and `--git-cache`, for every command that reads a Git repository. */
export function addGitOptions(command: Command): Command {
  return command
    .option(
      "--git-token-file <file>",
      "file holding an HTTPS token for the Git host (default: $ROSTER_GIT_TOKEN)",
    )
    .option("--git-cache <dir>", "folder of the cached clones", DEFAULT_GIT_CACHE);
}

/**
 * Git access from the flags and the environment (the composition root is the only place that
 * reads either). The token file wins over ROSTER_GIT_TOKEN; neither is ever printed.
 */
export function gitAccessOptions(
  flags: GitFlags,
  env: NodeJS.ProcessEnv = process.env,
): GitAccessOptions {
  let token = env.ROSTER_GIT_TOKEN?.trim() || undefined;
  if (flags.gitTokenFile !== undefined) {
    try {
      token = readFileSync(flags.gitTokenFile, "utf8").trim();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
      throw new UsageError(`cannot read --git-token-file ${flags.gitTokenFile} (${code})`);
    }
    if (token === "") throw new UsageError(`--git-token-file ${flags.gitTokenFile} is empty`);
  }
  return {
    cacheRoot: path.resolve(flags.gitCache ?? DEFAULT_GIT_CACHE),
    env,
    ...(token ? { credential: tokenCredential(token) } : {}),
  };
}
