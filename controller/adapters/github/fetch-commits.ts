import type { GitCli } from "../sources/git-cli.js";
import { GitError } from "../sources/git-cli.js";
import { checkRef } from "../sources/git-spec.js";

const FULL_SHA = /^[0-9a-f]{40}$/i;

export interface FetchCommitsInput {
  /** The local clone's git directory. */
  gitDir: string;
  shas: readonly string[];
  /** PR number: `refs/pull/N/head` holds a fork's head commit on GitHub. */
  number: number;
  /** The base branch, fetched when its SHA cannot be fetched alone. */
  baseRef: string;
  remote?: string;
}

/**
 * Makes the PR's base and head commits present in a local clone (a CI checkout may be shallow or
 * lack a fork's commits): first by SHA (GitHub serves any reachable commit), then by the PR's
 * head ref and the base branch. Throws naming the commits still missing.
 */
export async function ensureCommits(git: GitCli, input: FetchCommitsInput): Promise<void> {
  const where = { gitDir: input.gitDir };
  const remote = input.remote ?? "origin";
  const missing = async () => {
    const out: string[] = [];
    for (const sha of input.shas) if (!(await hasCommit(git, input.gitDir, sha))) out.push(sha);
    return out;
  };
  let absent = await missing();
  if (absent.length === 0) return;
  for (const sha of absent) {
    if (!FULL_SHA.test(sha)) throw new Error(`not a commit SHA: "${sha}"`);
  }
  // Names come from the API; one git would read as an option or a revision range is not fetched.
  checkRef(input.baseRef);
  const attempts = [
    absent,
    [
      `+refs/pull/${input.number}/head:refs/remotes/${remote}/pr/${input.number}`,
      `+refs/heads/${input.baseRef}:refs/remotes/${remote}/${input.baseRef}`,
    ],
  ];
  const failures: string[] = [];
  for (const refspecs of attempts) {
    try {
      await git.run(["fetch", "--quiet", "--no-tags", remote, ...refspecs], where);
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error));
    }
    absent = await missing();
    if (absent.length === 0) return;
  }
  throw new Error(
    `commit${absent.length === 1 ? "" : "s"} ${absent.join(", ")} not found in the local clone and ` +
      `not fetched from ${remote}${failures.length > 0 ? ` (${failures.join("; ")})` : ""}`,
  );
}

async function hasCommit(git: GitCli, gitDir: string, sha: string): Promise<boolean> {
  try {
    await git.run(["cat-file", "-e", `${sha}^{commit}`], { gitDir });
    return true;
  } catch (error) {
    if (error instanceof GitError && error.exitCode !== null) return false;
    throw error;
  }
}
