import type { ParsedResource } from "../load/index.js";
import { parseSourceFile } from "../load/index.js";
import type { Issue, SourceFile } from "../model/index.js";

interface ParsedChunk {
  /** Positions relative to the chunk (its first line is 1). */
  resources: ParsedResource[];
  errors: Issue[];
}

/** A bare `---` at column 0 always starts a document in YAML (it cannot be content). */
const MARKER = /^---[ \t]*$/;

/**
 * Parses a multi-document file one document at a time, reusing the parsed resources of every
 * document whose text did not change since the previous version of that file. A one-file
 * membership of 2,000 members then costs one document's parse per commit, not 2,000 — and
 * what is kept is the current version's documents only, whatever the history's length.
 */
export class DocumentCache {
  private readonly byFile = new Map<string, Map<string, ParsedChunk>>();

  parse(file: SourceFile): { resources: ParsedResource[]; errors: Issue[] } {
    // Directives (`%YAML`) bind to the document after them: such a file is parsed whole.
    if (/^%/m.test(file.text)) {
      this.byFile.delete(file.path);
      const whole = parseSourceFile(file);
      return {
        resources: whole.resources,
        errors: whole.issues.filter((i) => i.severity === "error"),
      };
    }
    const previous = this.byFile.get(file.path) ?? new Map<string, ParsedChunk>();
    const current = new Map<string, ParsedChunk>();
    const resources: ParsedResource[] = [];
    const errors: Issue[] = [];
    for (const { text, firstLine } of chunks(file.text)) {
      let parsed = previous.get(text) ?? current.get(text);
      if (parsed === undefined) {
        const result = parseSourceFile({ path: file.path, text });
        parsed = {
          resources: result.resources,
          errors: result.issues.filter((i) => i.severity === "error"),
        };
      }
      current.set(text, parsed);
      const shift = firstLine - 1;
      for (const r of parsed.resources)
        resources.push(shift === 0 ? r : { ...r, line: r.line + shift });
      for (const e of parsed.errors) errors.push(shift === 0 ? e : { ...e, line: e.line + shift });
    }
    this.byFile.set(file.path, current);
    return { resources, errors };
  }

  forget(path: string): void {
    this.byFile.delete(path);
  }
}

/** The file's documents, split at bare `---` lines (each chunk keeps its own marker line). */
function chunks(text: string): { text: string; firstLine: number }[] {
  const lines = text.split("\n");
  const out: { text: string; firstLine: number }[] = [];
  let start = 0;
  for (let i = 1; i <= lines.length; i++) {
    if (i === lines.length || MARKER.test(lines[i] as string)) {
      const chunk = lines.slice(start, i).join("\n");
      if (chunk.trim() !== "" && chunk.trim() !== "---")
        out.push({ text: chunk, firstLine: start + 1 });
      start = i;
    }
  }
  return out;
}
