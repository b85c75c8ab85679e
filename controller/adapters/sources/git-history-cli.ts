import type { Commit, GitHistory } from "../../audit/git-history.js";
import { isUnder, OversizedFileError } from "../../audit/git-history.js";
import type { SourceFile } from "../../model/index.js";
import { MAX_SOURCE_FILE_BYTES } from "../../model/index.js";
import { CatFileBatch } from "./git-cat-file.js";
import type { GitCli, GitRunOptions } from "./git-cli.js";

const FIELD = "\x1f";
const RECORD = "\x1e";

/**
 * GitHistory with the git CLI: one `git log` lists the first-parent commits together with the
 * files each changed (against its first parent), and one long-lived `cat-file --batch` reads
 * blobs, so a 2,000-commit history costs a handful of processes.
 */
export class GitHistoryCli implements GitHistory {
  /** `sha` → its first parent and the files changed against it (within `scope`), from commits(). */
  private readonly changes = new Map<
    string,
    { parent: string | null; files: string[]; scope: string | undefined }
  >();
  private batch: CatFileBatch | null = null;

  constructor(
    private readonly git: GitCli,
    private readonly where: GitRunOptions,
  ) {}

  async commits(ref: string, path?: string): Promise<Commit[]> {
    const format = `${RECORD}%H${FIELD}%P${FIELD}%cI${FIELD}%an${FIELD}%ae${FIELD}%s`;
    const out = await this.git.text(
      [
        "-c",
        "log.showSignature=false",
        "log",
        "--first-parent",
        "--reverse",
        // Without it a rename lists only the new name and the old file would linger in the state.
        "--no-renames",
        "--diff-merges=first-parent",
        "--name-only",
        "-z",
        `--format=${format}`,
        "--end-of-options",
        ref,
        "--",
        ...(path ? [path] : []),
      ],
      this.where,
    );
    const commits: Commit[] = [];
    for (const record of out.split(RECORD)) {
      if (record === "") continue;
      const end = record.indexOf("\0");
      const header = end < 0 ? record : record.slice(0, end);
      const [sha = "", parents = "", date = "", name = "", email = "", subject = ""] =
        header.split(FIELD);
      const files =
        end < 0
          ? []
          : record
              .slice(end + 1)
              .replace(/^\n/, "")
              .split("\0");
      const parentList = parents ? parents.split(" ") : [];
      commits.push({ sha, parents: parentList, date, author: { name, email }, subject });
      this.changes.set(sha, {
        parent: parentList[0] ?? null,
        files: files.filter(Boolean),
        scope: path,
      });
    }
    return commits;
  }

  async changedFiles(sha: string, parent: string | null, path?: string): Promise<string[]> {
    const known = this.changes.get(sha);
    let files: string[];
    const covered =
      known?.scope === undefined || (path !== undefined && isUnder(path, known.scope));
    if (known && known.parent === parent && covered) files = known.files;
    else {
      const args =
        parent === null
          ? ["ls-tree", "-r", "-z", "--name-only", sha]
          : ["diff-tree", "-r", "-z", "--no-renames", "--name-only", parent, sha];
      files = (await this.git.text(args, this.where)).split("\0").filter(Boolean);
    }
    return files.filter((f) => isUnder(f, path));
  }

  async readFiles(sha: string, paths: string[]): Promise<SourceFile[]> {
    this.batch ??= new CatFileBatch(this.git, this.where);
    const batch = this.batch;
    const results = await Promise.all(
      paths.map(async (p) => ({
        path: p,
        result: await batch.read(`${sha}:${p}`, MAX_SOURCE_FILE_BYTES),
      })),
    );
    const files: SourceFile[] = [];
    for (const { path, result } of results) {
      if (result.kind === "oversized") throw new OversizedFileError(path, result.bytes);
      if (result.kind === "blob") files.push({ path, text: result.text });
    }
    return files;
  }

  async close(): Promise<void> {
    await this.batch?.close();
    this.batch = null;
  }
}
