import type { DesiredState, Issue, SourceSnapshot } from "../model/index.js";
import { MAX_SOURCE_FILE_BYTES, hasErrors } from "../model/index.js";
import { checkResources, emptySource } from "./assemble.js";
import { toIssues } from "./finding.js";
import { parseFile } from "./parse-file.js";
import { parseResourceObject } from "./parse-object.js";
import type { ParsedResource } from "./parsed-resource.js";
import { issueAt } from "./parsed-resource.js";
import { fileLocator } from "./relocate.js";

export interface LoadResult {
  state?: DesiredState;
  issues: Issue[];
  counts: { organizations: number; members: number };
}

const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

/**
 * Everything a source holds → the desired state, with every problem of every file in one run.
 * `state` is present only when no issue is an error; an empty source is an error, never an
 * empty desired state. `describe` names the source in source-wide issues (default "source").
 */
export function loadDesiredState(
  snapshot: SourceSnapshot,
  options: { describe?: string; now?: Date } = {},
): LoadResult {
  return run(snapshot, options.describe, true, options.now);
}

/**
 * The same checks as `loadDesiredState`, for `roster validate`: the desired state itself is
 * not built (no per-member objects, no sorting), only the issues and counts.
 */
export function validateSnapshot(
  snapshot: SourceSnapshot,
  options: { describe?: string; now?: Date } = {},
): Omit<LoadResult, "state"> {
  const { issues, counts } = run(snapshot, options.describe, false, options.now);
  return { issues, counts };
}

function run(
  snapshot: SourceSnapshot,
  describe: string | undefined,
  build: boolean,
  now: Date | undefined,
): LoadResult {
  const issues: Issue[] = [];
  const resources: ParsedResource[] = [];
  const incomplete = new Set<string>();
  let unreadable = snapshot.oversized.length > 0;
  for (const { path, bytes } of snapshot.oversized) {
    issues.push(
      issueAt(
        path,
        { line: 1, col: 1 },
        "file-too-large",
        `file is ${mib(bytes)} MiB, over the ${mib(MAX_SOURCE_FILE_BYTES)} MiB limit; it was not read`,
        "split it into several files (any layout works) or move it out of the source",
      ),
    );
  }
  for (const file of snapshot.files) {
    const parsed = parseFile(file);
    for (const r of parsed.resources) resources.push(r);
    for (const i of parsed.issues) issues.push(i);
    for (const org of parsed.incomplete) incomplete.add(org);
    unreadable ||= parsed.unreadable;
  }
  for (const { ref, object } of snapshot.objects ?? []) {
    const parsed = parseResourceObject(object, ref);
    if (parsed.resource) resources.push(parsed.resource);
    for (const i of parsed.issues) issues.push(i);
    const org = rejectedOrg(object, parsed.issues.length > 0);
    if (org !== undefined) incomplete.add(org);
  }
  const counts = { organizations: 0, members: 0 };
  for (const r of resources) {
    if (r.kind === "Organization") counts.organizations++;
    else counts.members++;
  }

  const { findings, state } = checkResources(resources, snapshot.revision, {
    incomplete,
    unreadable,
    build,
    now,
  });
  const texts = new Map(snapshot.files.map((f) => [f.path, f.text]));
  issues.push(...toIssues(findings, fileLocator(texts)));

  if (resources.length === 0 && !hasErrors(issues)) {
    issues.push(
      emptySource(
        describe ?? "source",
        snapshot.files.length === 0 && (snapshot.objects ?? []).length === 0
          ? "no .yaml or .yml files"
          : "the YAML files declare no Organization or Member resources",
      ),
    );
  }
  issues.sort(byPlace);
  return hasErrors(issues) || !state ? { issues, counts } : { state, issues, counts };
}

/** The organization a rejected object names, so checks about that org do not cascade. */
function rejectedOrg(object: unknown, rejected: boolean): string | undefined {
  if (!rejected) return undefined;
  const o = object as { kind?: unknown; metadata?: { name?: unknown }; spec?: unknown };
  const named = o.kind === "Organization" ? o.metadata?.name : undefined;
  const spec = o.spec as { organization?: unknown } | undefined;
  const value = named ?? spec?.organization;
  return typeof value === "string" ? value : undefined;
}

function byPlace(a: Issue, b: Issue): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.col - b.col || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0);
}
