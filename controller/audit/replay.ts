import type { ParsedResource } from "../load/index.js";
import { assembleDesiredState } from "../load/index.js";
import type { Issue } from "../model/index.js";
import { hasErrors } from "../model/index.js";
import { DocumentCache } from "./document-cache.js";
import type { Commit, GitHistory } from "./git-history.js";
import { OversizedFileError } from "./git-history.js";
import type { MembershipChange, MembershipState } from "./membership-diff.js";
import { diffMemberships, membershipFromDesired } from "./membership-diff.js";

const YAML_FILE = /\.ya?ml$/i;

/** What one commit did to the declared membership. */
export interface ReplayStep {
  commit: Commit;
  /** Changes against the last valid state; empty when the commit is invalid or changed nothing. */
  changes: MembershipChange[];
  /** Set when this commit changed YAML and the result does not load: the state stays as it was. */
  invalid?: Issue[];
  /** The last valid state after this commit, and the latest commit whose tree declares it. */
  state: MembershipState;
  validAt: Commit | null;
}

interface ParsedFile {
  resources: ParsedResource[];
  errors: Issue[];
}

/**
 * Replays the first-parent commits in order. Incremental: a commit's changed YAML files are the
 * only ones parsed; every other file keeps its parsed resources from earlier commits, and the
 * membership state is reassembled from that cache. A commit whose YAML is invalid is reported
 * and skipped; the state stays the last valid one (what a controller following the branch keeps).
 */
export async function replayHistory(
  git: GitHistory,
  commits: readonly Commit[],
  path: string | undefined,
  onStep: (step: ReplayStep) => void,
): Promise<void> {
  const cache = new FilesByPath();
  const broken = new Set<string>(); // files whose last parse had errors
  let state: MembershipState = new Map();
  let validAt: Commit | null = null;
  let treeValid = true;

  const ahead = new Prefetch(git, commits, path, new DocumentCache());
  for (const [i, commit] of commits.entries()) {
    const changed = await ahead.take(i);
    if (changed.size === 0) {
      // Same YAML as its parent: a valid tree stays valid, and this commit now names it.
      if (treeValid) validAt = commit;
      onStep({ commit, changes: [], state, validAt, ...(treeValid ? {} : { invalid: [] }) });
      continue;
    }
    for (const [file, parsed] of changed) {
      if (parsed === null) cache.delete(file);
      else cache.set(file, parsed);
      if (parsed && parsed.errors.length > 0) broken.add(file);
      else broken.delete(file);
    }
    const issues = [...broken].sort().flatMap((f) => cache.get(f)?.errors ?? []);
    const next = issues.length === 0 ? assemble(cache, commit.sha) : { issues };
    if ("state" in next) {
      const changes = diffMemberships(state, next.state);
      state = next.state;
      validAt = commit;
      treeValid = true;
      onStep({ commit, changes, state, validAt });
    } else {
      treeValid = false;
      onStep({ commit, changes: [], state, validAt, invalid: next.issues });
    }
  }
}

/** Commits read (and parsed) ahead of the one being replayed, at most. */
const LOOKAHEAD = 16;

/**
 * And at most about this much YAML read ahead. A read-ahead result waits while the commits
 * before it replay, so it outlives the young generation and is promoted: 16 commits ahead of a
 * 300 KB one-file membership promoted 340 MB over 1,000 commits and swelled the heap to 180 MB,
 * against 25 MB reading one commit at a time. Small files still get the whole lookahead.
 */
const LOOKAHEAD_BYTES = 256 * 1024;

/**
 * Reads and parses the next commits' changed files while the current one is replayed: the
 * requests queue up in git's long-lived reader instead of one round trip per commit.
 */
class Prefetch {
  private readonly pending = new Map<number, Promise<Map<string, ParsedFile | null>>>();
  /** The YAML bytes a commit changed, as a moving average of those read so far. */
  private bytesPerCommit = 0;

  constructor(
    private readonly git: GitHistory,
    private readonly commits: readonly Commit[],
    private readonly path: string | undefined,
    private readonly documents: DocumentCache,
  ) {}

  take(index: number): Promise<Map<string, ParsedFile | null>> {
    const ahead = Math.max(
      1,
      Math.min(LOOKAHEAD, Math.floor(LOOKAHEAD_BYTES / Math.max(1, this.bytesPerCommit))),
    );
    for (let i = index; i < Math.min(index + ahead, this.commits.length); i++) this.start(i);
    const result = this.pending.get(index) as Promise<Map<string, ParsedFile | null>>;
    this.pending.delete(index);
    return result;
  }

  private start(index: number): void {
    const commit = this.commits[index];
    if (!commit || this.pending.has(index)) return;
    const work = (async () => {
      const changed = await this.git.changedFiles(commit.sha, commit.parents[0] ?? null, this.path);
      const yaml = changed.filter((f) => YAML_FILE.test(f));
      if (yaml.length === 0) return new Map<string, ParsedFile | null>();
      return readAndParse(this.git, commit.sha, yaml, this.documents, (bytes) => {
        this.bytesPerCommit = this.bytesPerCommit * 0.75 + bytes * 0.25;
      });
    })();
    // Awaited in turn by take(); a failure ahead of time must not count as unhandled meanwhile.
    work.catch(() => undefined);
    this.pending.set(index, work);
  }
}

async function readAndParse(
  git: GitHistory,
  sha: string,
  paths: string[],
  documents: DocumentCache,
  read: (bytes: number) => void,
): Promise<Map<string, ParsedFile | null>> {
  const out = new Map<string, ParsedFile | null>(paths.map((p) => [p, null]));
  let files;
  try {
    files = await git.readFiles(sha, paths);
  } catch (error) {
    if (!(error instanceof OversizedFileError)) throw error;
    // One oversized file makes the commit invalid; the others are re-read without it.
    const rest = await readAndParse(
      git,
      sha,
      paths.filter((p) => p !== error.path),
      documents,
      read,
    );
    rest.set(error.path, { resources: [], errors: [oversizedIssue(error)] });
    return rest;
  }
  read(files.reduce((sum, f) => sum + f.text.length, 0));
  for (const file of files) out.set(file.path, documents.parse(file));
  for (const [p, parsed] of out) if (parsed === null) documents.forget(p);
  return out;
}

function assemble(
  cache: FilesByPath,
  revision: string,
): { state: MembershipState } | { issues: Issue[] } {
  const resources: ParsedResource[] = [];
  for (const parsed of cache.inOrder()) for (const r of parsed.resources) resources.push(r);
  // A tree with no resources at all is a valid, empty declaration (e.g. before the first org).
  if (resources.length === 0) return { state: new Map() };
  const { state, issues } = assembleDesiredState(resources, revision);
  if (!state || hasErrors(issues)) return { issues: issues.filter((i) => i.severity === "error") };
  return { state: membershipFromDesired(state) };
}

/**
 * The parsed files of the current tree, in path order as the sources list them: which of two
 * duplicates an error names first must not depend on the order the files appeared in history
 * (`roster validate` on that revision says the same). Kept sorted as files come and go, so
 * that a commit costs no sort of the whole tree.
 */
class FilesByPath {
  private readonly files = new Map<string, ParsedFile>();
  private readonly paths: string[] = [];

  get(path: string): ParsedFile | undefined {
    return this.files.get(path);
  }

  set(path: string, parsed: ParsedFile): void {
    if (!this.files.has(path)) this.paths.splice(this.position(path), 0, path);
    this.files.set(path, parsed);
  }

  delete(path: string): void {
    if (this.files.delete(path)) this.paths.splice(this.position(path), 1);
  }

  *inOrder(): Generator<ParsedFile> {
    for (const path of this.paths) yield this.files.get(path) as ParsedFile;
  }

  /** The first index whose path is not before `path`. */
  private position(path: string): number {
    let lo = 0;
    let hi = this.paths.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.paths[mid] as string) < path) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function oversizedIssue(error: OversizedFileError): Issue {
  return {
    file: error.path,
    line: 1,
    col: 1,
    rule: "oversized",
    severity: "error",
    message: error.message,
    hint: "split the file: a source file may hold at most 10 MiB",
  };
}
