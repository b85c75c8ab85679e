import type { ParsedResource } from "../load/index.js";
import { parseSourceFile } from "../load/index.js";
import type { Issue, SourceFile } from "../model/index.js";

interface ParsedChunk {
  /** Positions relative to the chunk (its first line is 1). */
  resources: ParsedResource[];
  errors: Issue[];
  /** Line feeds in the chunk's text: where the next chunk starts, without re-counting. */
  newlines: number;
  /** The positions moved to where the chunk last stood, reused while it stays there. */
  placed?: { shift: number; resources: ParsedResource[]; errors: Issue[] };
}

/**
 * A bare `---` at column 0 always starts a document in YAML (it cannot be content). Written
 * without the `m` flag on purpose: `$` would then also match before `\r` and `\u2028`, and a
 * line is what lies between two `\n` here, as for the parser's line numbers.
 */
const MARKER = /(^|\n)---[ \t]*(?=\n|$)/g;

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
    let firstLine = 1;
    for (const text of chunks(file.text)) {
      let parsed = previous.get(text) ?? current.get(text);
      if (parsed === undefined && isBlank(text)) {
        firstLine += countNewlines(text) + 1;
        continue;
      }
      if (parsed === undefined) {
        // A copy: the chunk is a slice of the whole file, and what the parser keeps of it (its
        // strings) would otherwise hold every old version of the file alive.
        const own = Buffer.from(text, "utf8").toString("utf8");
        const result = parseSourceFile({ path: file.path, text: own });
        parsed = {
          resources: result.resources,
          errors: result.issues.filter((i) => i.severity === "error"),
          newlines: countNewlines(own),
        };
      }
      current.set(text, parsed);
      const placed = place(parsed, firstLine - 1);
      for (const r of placed.resources) resources.push(r);
      for (const e of placed.errors) errors.push(e);
      firstLine += parsed.newlines + 1;
    }
    this.byFile.set(file.path, current);
    return { resources, errors };
  }

  forget(path: string): void {
    this.byFile.delete(path);
  }
}

function place(
  parsed: ParsedChunk,
  shift: number,
): { resources: ParsedResource[]; errors: Issue[] } {
  if (shift === 0) return parsed;
  if (parsed.placed?.shift !== shift) {
    parsed.placed = {
      shift,
      resources: parsed.resources.map((r) => ({ ...r, line: r.line + shift })),
      errors: parsed.errors.map((e) => ({ ...e, line: e.line + shift })),
    };
  }
  return parsed.placed;
}

/**
 * The file's documents, split before each bare `---` line (each chunk keeps its own marker
 * line, without the line feed that ends the chunk before it). Slices, not copies: scanning a
 * 2,000-document file per commit must not allocate a string per line.
 */
function* chunks(text: string): Generator<string> {
  let start = 0;
  for (const m of text.matchAll(MARKER)) {
    // A marker on the first line starts the first chunk: no boundary there.
    if (m.index === 0 && m[1] === "") continue;
    yield text.slice(start, m.index);
    start = m.index + 1;
  }
  yield text.slice(start);
}

/** Nothing to parse: whitespace, or a bare marker with nothing after it. */
function isBlank(text: string): boolean {
  const t = text.trim();
  return t === "" || t === "---";
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return n;
}
