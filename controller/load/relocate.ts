import type { Document } from "yaml";
import type { SourceRef } from "../model/index.js";
import type { Anchor, Locate } from "./finding.js";
import { LineIndex, parseDocumentAt } from "./chunk.js";
import { locate } from "./yaml-ast.js";
import type { ParsedText } from "./yaml-ast.js";

type Parsed = { doc: Document.Parsed; parsed: ParsedText } | null;

// Bounds memory when a tree yields many findings (say every member warned as external):
// parsed documents are dropped in batches rather than kept for the whole run.
const MAX_CACHED_DOCUMENTS = 512;

/**
 * A locator with the files at hand: re-parses only the document an anchor lives in, with the
 * precise parser, to name the exact node (`spec.email`, not just the document).
 */
export function fileLocator(files: ReadonlyMap<string, string>): Locate {
  const lines = new Map<string, LineIndex>();
  const docs = new Map<string, Parsed>();
  return (anchor: Anchor): SourceRef => {
    const { resource, path } = anchor;
    const fallback = { file: resource.file, line: resource.line, col: resource.col };
    const text = files.get(resource.file);
    if (text === undefined || path.length === 0) return fallback;
    const key = `${resource.file}\0${resource.line}`;
    let entry = docs.get(key);
    if (entry === undefined) {
      let index = lines.get(resource.file);
      if (!index) {
        index = new LineIndex(text);
        lines.set(resource.file, index);
      }
      entry = parseDocumentAt(text, index.lineStart(resource.line), resource.line) ?? null;
      if (docs.size >= MAX_CACHED_DOCUMENTS) docs.clear();
      docs.set(key, entry);
    }
    if (!entry) return fallback;
    return { file: resource.file, ...entry.parsed.position(locate(entry.doc, path)) };
  };
}
