import type { DesiredStateSource, SourceSnapshot } from "../../model/index.js";
import type { GitCredential } from "./git-cli.js";
import { GitCli, userinfoCredential } from "./git-cli.js";
import { GitMirror } from "./git-mirror.js";
import type { GitSpec } from "./git-spec.js";
import { describeGitSpec } from "./git-spec.js";
import { readTree } from "./git-tree.js";

export interface GitAccessOptions {
  /** Folder holding one bare cache clone per repository (e.g. `.roster/cache/git`). */
  cacheRoot: string;
  /** The environment git runs with; read by the composition root. */
  env: NodeJS.ProcessEnv;
  /** Wins over a `user:password@` in the URL. */
  credential?: GitCredential;
  timeoutMs?: number;
}

/** A GitCli carrying the credential for this location's host only. */
export function gitCliFor(spec: GitSpec, options: GitAccessOptions): GitCli {
  const credential =
    options.credential ?? (spec.userinfo ? userinfoCredential(spec.userinfo) : undefined);
  const scope = /^https?:\/\//i.test(spec.location)
    ? `${new URL(spec.location).origin}/`
    : undefined;
  return new GitCli({
    env: options.env,
    ...(credential ? { credential } : {}),
    ...(scope ? { credentialScope: scope } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
}

/**
 * Desired state from a Git repository (`URL_OR_PATH[#REF][//SUBDIR]`): every `read()` fetches,
 * resolves REF to one commit, and reads that commit's YAML files under SUBDIR. The revision is
 * the commit SHA. A failed fetch throws: the caller keeps its last good state.
 */
export class GitSource implements DesiredStateSource {
  readonly describe: string;
  private readonly git: GitCli;
  private readonly mirror: GitMirror;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly spec: GitSpec,
    options: GitAccessOptions,
  ) {
    this.describe = describeGitSpec(spec);
    this.git = gitCliFor(spec, options);
    // Local paths go through the cache too: REF then means the same thing for every location.
    this.mirror = new GitMirror(this.git, spec.location, options.cacheRoot, this.describe);
  }

  read(): Promise<SourceSnapshot> {
    // One fetch at a time per source: the poll loop and a webhook may ask together.
    const next = this.queue.then(() => this.readNow());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async readNow(): Promise<SourceSnapshot> {
    await this.mirror.fetch(this.spec.ref === undefined);
    const sha = await this.mirror.resolve(this.spec.ref);
    const tree = await readTree(
      this.git,
      { gitDir: this.mirror.dir },
      sha,
      this.spec.subdir,
      this.describe,
    );
    return { revision: sha, ...tree };
  }
}
