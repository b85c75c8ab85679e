import type { SourceFile } from "../model/index.js";

/** One commit of the first-parent line, as the audit reports show it. */
export interface Commit {
  sha: string;
  parents: string[];
  /** Committer date, ISO 8601: when the change landed on the branch. */
  date: string;
  author: { name: string; email: string };
  subject: string;
}

/**
 * Read access to a repository's history, narrow enough for a hand-written fake in tests.
 * The git CLI implementation lives in adapters/sources/git-history-cli.ts.
 */
export interface GitHistory {
  /** First-parent commits reachable from `ref`, oldest first; only those touching `path` if given. */
  commits(ref: string, path?: string): Promise<Commit[]>;
  /** Paths changed between `parent` and `sha` (every file of `sha` when `parent` is null). */
  changedFiles(sha: string, parent: string | null, path?: string): Promise<string[]>;
  /** The files at commit `sha`; a path that does not exist there is left out (deleted). */
  readFiles(sha: string, paths: string[]): Promise<SourceFile[]>;
}

/** readFiles refuses a file over the source size limit, as the sources do. */
export class OversizedFileError extends Error {
  constructor(
    readonly path: string,
    readonly bytes: number,
  ) {
    super(`${path} is ${bytes} bytes, over the 10 MiB limit for a source file`);
    this.name = "OversizedFileError";
  }
}

/** True when `file` is `dir` itself or inside it; an empty or "." dir holds everything. */
export function isUnder(file: string, dir: string | undefined): boolean {
  const d = (dir ?? "").replace(/^\.?\/+|\/+$/g, "");
  return d === "" || d === "." || file === d || file.startsWith(`${d}/`);
}
