import { loadDesiredState } from "../load/index.js";
import type {
  ActualOrganization,
  DesiredState,
  Issue,
  SourceRef,
  SourceSnapshot,
} from "../model/index.js";
import { hasErrors } from "../model/index.js";
import type { GitHistory } from "./git-history.js";
import { OversizedFileError } from "./git-history.js";
import type { PolicyChange, PolicyNote, PullRequestPeople } from "./pr-policy.js";
import { decidePullRequest } from "./pr-policy.js";
import { retroactiveExpiryIssues } from "./pr-expiry-note.js";
import { priorOrganizations } from "./pr-prior.js";

const YAML_FILE = /\.ya?ml$/i;

export interface PullRequestCheckInput extends PullRequestPeople {
  history: GitHistory;
  /** Commit SHAs. */
  base: string;
  head: string;
  /** Only YAML files under this folder of the repository count (as `--source …//SUBDIR`). */
  path?: string;
  /** The backend's view of an organization (`--backend`): one head declares anew may exist. */
  observe?: (org: string) => Promise<ActualOrganization | null>;
  /** The check's instant (default: now): which expiries the PR sets are already past. */
  now?: Date;
}

/** A change with the place in head (or base, for a removal) that declares it. */
export interface LocatedChange extends PolicyChange {
  source?: SourceRef;
}

export interface PullRequestCheck {
  allowed: boolean;
  base: string;
  head: string;
  author: string;
  approvers: string[];
  changes: LocatedChange[];
  /** Head validation issues (errors deny), then policy notes as warnings. */
  issues: Issue[];
  /** Set when base itself does not load: authority cannot be read, the PR is denied. */
  baseIssues: Issue[];
  /** The YAML files of head: annotations may only point at these. */
  headFiles: string[];
  baseState?: DesiredState;
  headState?: DesiredState;
}

/**
 * Validates head, reads authority from base and judges every change (pr-policy). A head that
 * does not load is denied with its issues; a base with no YAML at all is an empty declaration
 * (a repository's first pull request), while a base that does not load denies the PR: nobody's
 * authority can be read from it.
 */
export async function checkPullRequest(input: PullRequestCheckInput): Promise<PullRequestCheck> {
  const [baseSnapshot, headSnapshot] = await Promise.all([
    readSnapshot(input.history, input.base, input.path),
    readSnapshot(input.history, input.head, input.path),
  ]);
  const head = loadDesiredState(headSnapshot, { describe: describeAt(input.head, input.path) });
  const base = loadBase(baseSnapshot);
  const result: PullRequestCheck = {
    allowed: false,
    base: input.base,
    head: input.head,
    author: input.author,
    approvers: [...input.approvers],
    changes: [],
    issues: [...head.issues],
    baseIssues: base.issues,
    headFiles: headSnapshot.files.map((f) => f.path),
  };
  if (base.state) result.baseState = base.state;
  if (head.state) result.headState = head.state;
  if (!head.state || !base.state) return result;

  const declaredAtBase = new Set(base.state.organizations.map((o) => o.name));
  const prior = await priorOrganizations({
    history: input.history,
    base: input.base,
    ...(input.path !== undefined ? { path: input.path } : {}),
    orgs: head.state.organizations.map((o) => o.name).filter((n) => !declaredAtBase.has(n)),
    ...(input.observe ? { observe: input.observe } : {}),
  });
  const decision = decidePullRequest(base.state, head.state, input, { prior });
  result.changes = decision.changes.map((c) =>
    locate(c, base.state as DesiredState, head.state as DesiredState),
  );
  result.issues.push(...decision.notes.map((n) => noteIssue(n, head.state as DesiredState, input)));
  result.issues.push(
    ...retroactiveExpiryIssues(
      decision.changes,
      base.state,
      head.state,
      (input.now ?? new Date()).getTime(),
    ),
  );
  result.allowed = decision.allowed && !hasErrors(result.issues);
  return result;
}

/** Every YAML file of `sha` under `path`; an oversized file is listed, not read (as the sources do). */
export async function readSnapshot(
  history: GitHistory,
  sha: string,
  path: string | undefined,
): Promise<SourceSnapshot> {
  const all = await history.changedFiles(sha, null, path);
  let paths = all.filter((f) => YAML_FILE.test(f)).sort();
  const oversized: SourceSnapshot["oversized"] = [];
  for (;;) {
    try {
      const files = await history.readFiles(sha, paths);
      return { revision: sha, files, oversized };
    } catch (error) {
      if (!(error instanceof OversizedFileError)) throw error;
      oversized.push({ path: error.path, bytes: error.bytes });
      paths = paths.filter((p) => p !== error.path);
    }
  }
}

function loadBase(snapshot: SourceSnapshot): { state?: DesiredState; issues: Issue[] } {
  const loaded = loadDesiredState(snapshot, { describe: describeAt(snapshot.revision) });
  if (loaded.state) return { state: loaded.state, issues: [] };
  const declaresNothing =
    loaded.counts.organizations + loaded.counts.members === 0 &&
    loaded.issues.every((i) => i.rule === "empty-source" || i.severity === "warning");
  if (declaresNothing)
    return { state: { revision: snapshot.revision, organizations: [] }, issues: [] };
  return { issues: loaded.issues.filter((i) => i.severity === "error") };
}

function describeAt(sha: string, path?: string): string {
  return `commit ${sha.slice(0, 12)}${path ? `//${path}` : ""}`;
}

function locate(change: PolicyChange, base: DesiredState, head: DesiredState): LocatedChange {
  const inHead =
    change.change !== "revoked" &&
    change.change !== "organizationRemoved" &&
    change.change !== "reviewRemoved";
  const state = inHead ? head : base;
  const org = state.organizations.find((o) => o.name === change.org);
  const source =
    change.change === "organizationCreated" || change.change === "organizationRemoved"
      ? org?.source
      : change.change.startsWith("review")
        ? org?.reviews?.find((r) => r.name === change.field)?.source
        : org?.members.find((m) => m.email === change.email)?.source;
  return source ? { ...change, source } : { ...change };
}

/** A policy note as a warning anchored where head declares what it is about. */
function noteIssue(note: PolicyNote, head: DesiredState, input: PullRequestCheckInput): Issue {
  const at = head.organizations.find((o) => o.name === note.org)?.source;
  return {
    file: at?.file ?? describeAt(input.head, input.path),
    line: at?.line ?? 1,
    col: at?.col ?? 1,
    rule: "pr-policy",
    severity: "warning",
    message: note.message,
  };
}
