import type { GitRepository } from "../adapters/sources/git-repository.js";
import { openGitRepository } from "../adapters/sources/git-repository.js";
import { parseGitSpec } from "../adapters/sources/git-spec.js";
import { warnAboutUrlToken } from "./source-uri.js";
import type { GitFlags } from "./git-options.js";
import { gitAccessOptions } from "./git-options.js";

export interface RepoFlags extends GitFlags {
  repo: string;
  ref?: string;
  path?: string;
}

export interface OpenedRepo {
  repository: GitRepository;
  /** The commit `--ref` (or the repo's `#REF`, or HEAD) names. */
  sha: string;
  /** `--path`, or the repo's `//SUBDIR`. */
  path: string | undefined;
}

/**
 * `--repo` is a local repository path (read in place) or a URL (through the Git cache); it may
 * carry `#REF` and `//SUBDIR` like `--source`, which `--ref` and `--path` override.
 */
export async function openRepo(flags: RepoFlags): Promise<OpenedRepo> {
  warnAboutUrlToken(flags.repo);
  const spec = parseGitSpec(flags.repo);
  const ref = flags.ref ?? spec.ref;
  const repository = await openGitRepository(spec, gitAccessOptions(flags), ref);
  try {
    const sha = await repository.resolve(ref);
    return { repository, sha, path: flags.path ?? spec.subdir };
  } catch (error) {
    await repository.close();
    throw error;
  }
}
