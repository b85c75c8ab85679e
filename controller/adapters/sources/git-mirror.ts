import { createHash, randomBytes } from "node:crypto";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { GitCli } from "./git-cli.js";
import { GitError } from "./git-cli.js";
import { canonicalLocation, checkRef } from "./git-spec.js";

/** Where the remote's HEAD is kept in the cache when no ref is asked for. */
const HEAD_REF = "refs/roster/head";
const FULL_SHA = /^[0-9a-f]{40}$/i;

/** The cache folder of one repository: `<cacheRoot>/<sha256 of the location, 16 hex>`. */
export function mirrorDir(cacheRoot: string, location: string): string {
  const key = createHash("sha256").update(canonicalLocation(location)).digest("hex").slice(0, 16);
  return path.join(cacheRoot, key);
}

/**
 * A bare clone used as a cache: created once, fetched on every read, never checked out.
 * Its `origin` URL is the credential-free location; credentials travel per command (GitCli).
 */
export class GitMirror {
  readonly dir: string;

  constructor(
    private readonly git: GitCli,
    private readonly location: string,
    cacheRoot: string,
    private readonly describe: string,
  ) {
    this.dir = mirrorDir(cacheRoot, location);
  }

  /** Fetches branches and tags (and the remote HEAD when `withHead`); throws when unreachable. */
  async fetch(withHead: boolean): Promise<void> {
    await this.ensure();
    const refspecs = ["+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"];
    if (withHead) refspecs.unshift(`+HEAD:${HEAD_REF}`);
    try {
      await this.git.run(["fetch", "--quiet", "--prune", "--no-tags", "origin", ...refspecs], {
        gitDir: this.dir,
      });
    } catch (error) {
      throw new Error(`cannot fetch ${this.describe}: ${messageOf(error)}${this.hint(error)}`);
    }
  }

  /**
   * The commit a ref names, the way git disambiguates: tag, then branch, then a SHA (fetched
   * on its own when no branch or tag reaches it). No ref means the remote's HEAD.
   */
  async resolve(ref: string | undefined): Promise<string> {
    if (ref === undefined) return this.revParse(HEAD_REF, "the remote HEAD");
    checkRef(ref);
    const short = ref.replace(/^refs\/(heads|tags)\//, "");
    const candidates = ref.startsWith("refs/heads/")
      ? [`refs/remotes/origin/${short}`]
      : ref.startsWith("refs/tags/")
        ? [ref]
        : [`refs/tags/${ref}`, `refs/remotes/origin/${ref}`, ref];
    for (const candidate of candidates) {
      const sha = await this.tryRevParse(candidate);
      if (sha) return sha;
    }
    if (FULL_SHA.test(ref)) {
      await this.git
        .run(["fetch", "--quiet", "origin", ref], { gitDir: this.dir })
        .catch(() => undefined);
      const sha = await this.tryRevParse(ref);
      if (sha) return sha;
    }
    throw new Error(`${this.describe}: no branch, tag or commit named "${ref}"`);
  }

  /** What to do about the usual failures (git's own words are kept before it). */
  private hint(error: unknown): string {
    const text = messageOf(error);
    if (!/could not read Username|Authentication failed|returned error: 40[13]/i.test(text))
      return "";
    return this.git.hasCredential
      ? " (the Git host refused the credential: check the token and its access to this repository)"
      : " (the repository needs a credential: set ROSTER_GIT_TOKEN or --git-token-file)";
  }

  private async revParse(name: string, what: string): Promise<string> {
    const sha = await this.tryRevParse(name);
    if (!sha) throw new Error(`${this.describe}: cannot resolve ${what}`);
    return sha;
  }

  private async tryRevParse(name: string): Promise<string | null> {
    try {
      const out = await this.git.text(
        ["rev-parse", "--verify", "--quiet", "--end-of-options", `${name}^{commit}`],
        { gitDir: this.dir },
      );
      return out.trim() || null;
    } catch (error) {
      if (error instanceof GitError && error.exitCode === 1) return null;
      if (error instanceof GitError && error.exitCode === 128) return null; // ambiguous short SHA
      throw error;
    }
  }

  /** Creates the bare repository atomically; a half-made or broken cache is rebuilt. */
  private async ensure(): Promise<void> {
    if (await this.isRepository()) return;
    await rm(this.dir, { recursive: true, force: true });
    await mkdir(path.dirname(this.dir), { recursive: true });
    const tmp = `${this.dir}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
    try {
      await this.git.run(["init", "--quiet", "--bare", tmp]);
      await this.git.run(["remote", "add", "origin", canonicalLocation(this.location)], {
        gitDir: tmp,
      });
      await rename(tmp, this.dir).catch((error: NodeJS.ErrnoException) => {
        // Another process created it first: theirs is as good as ours.
        if (error.code !== "EEXIST" && error.code !== "ENOTEMPTY") throw error;
      });
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  private async isRepository(): Promise<boolean> {
    const exists = await stat(this.dir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!exists) return false;
    try {
      const out = await this.git.text(["rev-parse", "--is-bare-repository"], { gitDir: this.dir });
      return out.trim() === "true";
    } catch {
      return false;
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
