import type { Issue, SourceRef } from "../model/index.js";
import type { ParsedResource } from "./parsed-resource.js";

/** A node of a resource: `path` inside the document, e.g. `["spec", "email"]`. */
export interface Anchor {
  resource: ParsedResource;
  path: readonly string[];
}

/** Turns an anchor into a place; precise when the file text is at hand, else the document. */
export type Locate = (anchor: Anchor) => SourceRef;

/**
 * A cross-resource problem. Its message is rendered late, with the locator the caller has:
 * a message that names another place ("first declared at …") then names it as precisely as
 * the issue's own position.
 */
export interface Finding {
  at: Anchor;
  rule: string;
  severity: Issue["severity"];
  message: (locate: Locate) => string;
  hint?: string;
}

/** `file:line:col` of another place a message names. */
export const where = (locate: Locate, anchor: Anchor): string => {
  const at = locate(anchor);
  return `${at.file}:${at.line}:${at.col}`;
};

/** Renders findings with a locator. */
export function toIssues(findings: readonly Finding[], locate: Locate): Issue[] {
  return findings.map((f) => {
    const at = locate(f.at);
    const issue: Issue = {
      file: at.file,
      line: at.line,
      col: at.col,
      rule: f.rule,
      severity: f.severity,
      message: f.message(locate),
    };
    if (f.hint) issue.hint = f.hint;
    return issue;
  });
}

/** Positions without file text: each resource's own declaration (line/col of its document). */
export const documentLocate: Locate = ({ resource }) => ({
  file: resource.file,
  line: resource.line,
  col: resource.col,
});
