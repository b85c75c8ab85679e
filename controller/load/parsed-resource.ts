import type { Issue, Kind } from "../model/index.js";

/** One valid resource read from a source, with where it was declared. */
export interface ParsedResource {
  kind: Kind;
  /** `metadata.name`. */
  name: string;
  /** The file (or Kubernetes object reference, e.g. `team/Member/alice`) it came from. */
  file: string;
  /** Where the document's content starts (1-based); 1:1 for Kubernetes objects. */
  line: number;
  col: number;
  /** The validated spec with the schema's defaults applied. */
  spec: Record<string, unknown>;
}

/** What one file yields, plus what cross-resource checks need to avoid cascading errors. */
export interface FileParse {
  resources: ParsedResource[];
  issues: Issue[];
  /**
   * Organizations named by documents that were rejected (a Member's `spec.organization`, an
   * Organization's name): "no owner" or "unknown organization" would be guesses for them.
   */
  incomplete: Set<string>;
  /** A document could not be read at all: absence checks cannot be trusted anywhere. */
  unreadable: boolean;
}

export function issueAt(
  file: string,
  at: { line: number; col: number },
  rule: string,
  message: string,
  hint?: string,
  severity: Issue["severity"] = "error",
): Issue {
  const issue: Issue = { file, line: at.line, col: at.col, rule, severity, message };
  if (hint) issue.hint = hint;
  return issue;
}
