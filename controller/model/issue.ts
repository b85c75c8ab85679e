/** One problem found in the declared resources, always anchored to a place in a file. */
export interface Issue {
  file: string;
  line: number;
  col: number;
  /** A short rule id, e.g. `schema`, `R2-single-owner`, `duplicate-member`. */
  rule: string;
  severity: "error" | "warning";
  message: string;
  hint?: string;
}

export function formatIssue(issue: Issue): string {
  const head = `${issue.file}:${issue.line}:${issue.col}: ${issue.rule}: ${issue.message}`;
  return issue.hint ? `${head}\n  hint: ${issue.hint}` : head;
}

export function hasErrors(issues: readonly Issue[]): boolean {
  return issues.some((i) => i.severity === "error");
}
