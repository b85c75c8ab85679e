import type { Issue } from "../model/index.js";
import { formatIssue } from "../model/index.js";
import type { Paint } from "./colors.js";
import { PLAIN } from "./colors.js";

/** One issue as every command prints it: warnings carry `warning:`, as in `roster validate`. */
export function issueLine(issue: Issue, paint: Paint = PLAIN): string {
  if (issue.severity !== "warning") return formatIssue(issue);
  return formatIssue({ ...issue, message: `${paint.yellow("warning:")} ${issue.message}` });
}

export function countWarnings(issues: readonly Issue[]): number {
  return issues.filter((i) => i.severity === "warning").length;
}
