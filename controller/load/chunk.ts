import type { Document } from "yaml";
import { isDocumentMarker } from "./nesting.js";
import { parseYaml } from "./yaml-ast.js";
import type { ParsedText } from "./yaml-ast.js";

/**
 * One document of a file, parsed on its own with positions: the precise parser is ten times
 * slower than the fast one, so a file is never re-read whole just to place one issue.
 * `lineStart` is the offset of the line where the document's content begins; the chunk runs to
 * the next `---`/`...` line (YAML forbids those markers inside content, so the cut is exact).
 */
export function parseDocumentAt(
  text: string,
  lineStart: number,
  line: number,
): { doc: Document.Parsed; parsed: ParsedText } | undefined {
  let end = text.indexOf("\n", lineStart);
  while (end >= 0) {
    const next = end + 1;
    let lineEnd = text.indexOf("\n", next);
    if (lineEnd < 0) lineEnd = text.length;
    if (isDocumentMarker(text, next, lineEnd)) break;
    end = lineEnd < text.length ? lineEnd : -1;
  }
  const chunk = text.slice(lineStart, end < 0 ? text.length : end + 1);
  const parsed = parseYaml(chunk, line - 1);
  const doc = parsed.docs[0];
  if (!doc || doc.errors.length > 0) return undefined;
  return { doc, parsed };
}

/** Offsets of line starts, built once per file that needs positions. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) this.starts.push(i + 1);
  }
  /** Offset of the start of 1-based `line`. */
  lineStart(line: number): number {
    return this.starts[line - 1] ?? 0;
  }
  position(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - (this.starts[lo] as number) + 1 };
  }
}
