import type { Document } from "yaml";
import type { Issue, SourceFile } from "../model/index.js";
import type { SchemaIssue, ValidResource } from "../schema/index.js";
import { validate } from "../schema/index.js";
import { LineIndex, parseDocumentAt } from "./chunk.js";
import type { DocStart } from "./fast-path.js";
import { fastLoad } from "./fast-path.js";
import { MAX_ALIAS_COUNT, MAX_DEPTH } from "./limits.js";
import { findExcessiveNesting } from "./nesting.js";
import type { FileParse, ParsedResource } from "./parsed-resource.js";
import { issueAt } from "./parsed-resource.js";
import { documentStart, firstAlias, locate, parseYaml } from "./yaml-ast.js";
import type { ParsedText } from "./yaml-ast.js";

const DEPTH_HINT = `Roster documents nest a few levels deep; this one nests more than ${MAX_DEPTH}. Is it the right file?`;

/**
 * Reads one file: YAML, then the schema of each document. Valid files take the fast path
 * (js-yaml, no positions needed); a document with issues is re-parsed alone with positions;
 * a file js-yaml cannot read, or one with anchors, is read whole by the precise path.
 */
export function parseFile(file: SourceFile): FileParse {
  const out: FileParse = { resources: [], issues: [], incomplete: new Set(), unreadable: false };
  const fast = fastLoad(file.text);
  if (fast.ok) {
    const { values, starts } = fast;
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      const start = starts[i] as DocStart;
      if (value === null || value === undefined) continue;
      const result = validate(value);
      if (result.value) out.resources.push(toResource(result.value, file.path, start));
      else reportFastDocument(out, file, value, start, result.issues);
    }
  } else if (fast.tooDeep) {
    out.unreadable = true;
    out.issues.push(
      issueAt(
        file.path,
        fast.tooDeep,
        "yaml-depth",
        `nested more than ${MAX_DEPTH} levels deep`,
        DEPTH_HINT,
      ),
    );
  } else {
    preciseFile(out, file);
  }
  return out;
}

function toResource(
  value: ValidResource,
  file: string,
  at: { line: number; col: number },
): ParsedResource {
  return {
    kind: value.kind,
    name: value.metadata.name,
    file,
    line: at.line,
    col: at.col,
    spec: value.spec as unknown as Record<string, unknown>,
  };
}

function reportFastDocument(
  out: FileParse,
  file: SourceFile,
  value: unknown,
  start: DocStart,
  issues: SchemaIssue[],
): void {
  noteIncomplete(out, value);
  const located = parseDocumentAt(file.text, start.offset - (start.col - 1), start.line);
  for (const issue of issues) {
    const at = located
      ? located.parsed.position(locate(located.doc, issue.path, issue.key))
      : start;
    out.issues.push(issueAt(file.path, at, issue.rule, issue.message, issue.hint));
  }
}

function preciseFile(out: FileParse, file: SourceFile): void {
  const deep = findExcessiveNesting(file.text, MAX_DEPTH);
  if (deep >= 0) {
    out.unreadable = true;
    const at = new LineIndex(file.text).position(deep);
    out.issues.push(
      issueAt(file.path, at, "yaml-depth", `nested more than ${MAX_DEPTH} levels deep`, DEPTH_HINT),
    );
    return;
  }
  let parsed: ParsedText;
  try {
    parsed = parseYaml(file.text);
  } catch (error) {
    // The nesting guard should make this unreachable; a parser bug must still not end the run.
    out.unreadable = true;
    const message = error instanceof Error ? error.message : String(error);
    out.issues.push(
      issueAt(file.path, { line: 1, col: 1 }, "yaml-syntax", `cannot parse: ${firstLine(message)}`),
    );
    return;
  }
  for (const doc of parsed.docs) preciseDocument(out, file.path, doc, parsed);
}

function preciseDocument(
  out: FileParse,
  path: string,
  doc: Document.Parsed,
  parsed: ParsedText,
): void {
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    out.unreadable = true;
    for (const e of problems) {
      const duplicate = e.code === "DUPLICATE_KEY";
      out.issues.push(
        issueAt(
          path,
          parsed.position(e.pos[0]),
          duplicate ? "duplicate-key" : "yaml-syntax",
          firstLine(e.message),
          duplicate ? "a key may appear once per mapping: remove or rename one of them" : undefined,
        ),
      );
    }
    return;
  }
  if (doc.contents === null) return;
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    out.unreadable = true;
    const bomb = error instanceof ReferenceError;
    out.issues.push(
      issueAt(
        path,
        parsed.position(firstAlias(doc)),
        bomb ? "yaml-aliases" : "yaml-syntax",
        bomb
          ? `aliases expand beyond ${MAX_ALIAS_COUNT} nodes (an alias bomb?): refused without expanding`
          : firstLine(error instanceof Error ? error.message : String(error)),
        bomb ? "write the values out instead of reusing anchors" : undefined,
      ),
    );
    return;
  }
  if (value === null || value === undefined) return;
  const result = validate(value);
  if (result.value) {
    out.resources.push(toResource(result.value, path, parsed.position(documentStart(doc))));
    return;
  }
  noteIncomplete(out, value);
  for (const issue of result.issues) {
    const at = parsed.position(locate(doc, issue.path, issue.key));
    out.issues.push(issueAt(path, at, issue.rule, issue.message, issue.hint));
  }
}

function noteIncomplete(out: FileParse, value: unknown): void {
  if (typeof value !== "object" || value === null) return;
  const doc = value as {
    kind?: unknown;
    metadata?: { name?: unknown };
    spec?: { organization?: unknown };
  };
  if (doc.kind === "Organization" && typeof doc.metadata?.name === "string") {
    out.incomplete.add(doc.metadata.name);
  } else if (typeof doc.spec?.organization === "string") {
    out.incomplete.add(doc.spec.organization);
  }
}

function firstLine(message: string): string {
  return message.split("\n")[0]?.trim() ?? message;
}

/** Per-file parse: YAML and schema checks. Cross-resource checks are `assembleDesiredState`'s. */
export function parseSourceFile(file: SourceFile): {
  resources: ParsedResource[];
  issues: Issue[];
} {
  const { resources, issues } = parseFile(file);
  return { resources, issues };
}
