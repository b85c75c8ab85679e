import type { GitAccessOptions } from "./git.js";
import { gitCliFor } from "./git.js";
import { GitError } from "./git-cli.js";
import { GitHistoryCli } from "./git-history-cli.js";
import { GitMirror } from "./git-mirror.js";
import type { GitSpec } from "./git-spec.js";
import { checkRef, describeGitSpec, isRemoteLocation } from "./git-spec.js";

/** A repository opened for the audit reports: its history, and REF → commit SHA. */
export interface GitRepository {
  readonly describe: string;
  readonly history: GitHistoryCli;
  /** The commit `ref` names (default: HEAD of a local repository, the remote HEAD of a URL). */
  resolve(ref: string | undefined): Promise<string>;
  close(): Promise<void>;
}

/**
 * A local repository is read in place (no copy, always current); a URL goes through the
 * same fetched cache clone as the Git source.
 */
export async function openGitRepository(
  spec: GitSpec,
  options: GitAccessOptions,
  ref: string | undefined,
): Promise<GitRepository> {
  const describe = describeGitSpec(spec);
  const git = gitCliFor(spec, options);
  if (isRemoteLocation(spec.location)) {
    const mirror = new GitMirror(git, spec.location, options.cacheRoot, describe);
    await mirror.fetch(ref === undefined);
    const history = new GitHistoryCli(git, { gitDir: mirror.dir });
    return {
      describe,
      history,
      resolve: (r) => mirror.resolve(r),
      close: () => history.close(),
    };
  }
  const gitDir = await git
    .text(["rev-parse", "--absolute-git-dir"], { cwd: spec.location })
    .then((out) => out.trim())
    .catch((error: unknown) => {
      // exitCode null: git never ran (missing folder); otherwise git said it is no repository.
      const why =
        error instanceof GitError && error.exitCode !== null
          ? "not a Git repository"
          : error instanceof Error
            ? error.message
            : String(error);
      throw new Error(`cannot open ${spec.location}: ${why}`);
    });
  const history = new GitHistoryCli(git, { gitDir });
  return {
    describe,
    history,
    resolve: async (r) => {
      if (r !== undefined) checkRef(r);
      const name = r ?? "HEAD";
      try {
        const out = await git.text(
          ["rev-parse", "--verify", "--quiet", "--end-of-options", `${name}^{commit}`],
          { gitDir },
        );
        return out.trim();
      } catch {
        throw new Error(`${describe}: no branch, tag or commit named "${name}"`);
      }
    },
    close: () => history.close(),
  };
}
