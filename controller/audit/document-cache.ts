import type { ParsedResource } from "../load/index.js";
import { parseSourceFile } from "../load/index.js";
import type { Issue, SourceFile } from "../model/index.js";

interface ParsedChunk {
  /** Positions relative to the chunk (its first line is 1). */
  resources: ParsedResource[];
  errors: Issue[];
  /** The chunk's text (an own copy): its key in the file's map. */
  text: string;
  /** How many chunks of the current version have this text. */
  uses: number;
  /** The positions moved to where the chunk last stood, reused while it stays there. */
  placed?: { shift: number; resources: ParsedResource[]; errors: Issue[] };
}

/** One document of the current version: where it starts, its text, and its parse (null: blank). */
interface Chunk {
  start: number;
  /** An own copy (not a slice of the file): chunks outlive the version they were read from. */
  text: string;
  newlines: number;
  parsed: ParsedChunk | null;
}

/**
 * What is kept of a file between versions: its documents, not its text. A whole version held
 * until the next one outlives young-generation collections and is promoted; 300 KB a commit of
 * dead old-generation strings is what made the one-file history's heap swell.
 */
interface FileState {
  length: number;
  chunks: Chunk[];
  byText: Map<string, ParsedChunk>;
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
 * membership of 2,000 members then costs one document's parse per commit, not 2,000. Against
 * the previous version only the span between the unchanged leading and trailing documents is
 * split and looked up again. What is kept is the current version's documents of each file,
 * whatever the history's length.
 */
export class DocumentCache {
  private readonly byFile = new Map<string, FileState>();

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
    const old = this.byFile.get(file.path);
    const state = (old && reuse(old, file)) ?? fresh(file);
    this.byFile.set(file.path, state);
    const resources: ParsedResource[] = [];
    const errors: Issue[] = [];
    let firstLine = 1;
    for (const chunk of state.chunks) {
      if (chunk.parsed !== null) {
        const placed = place(chunk.parsed, firstLine - 1);
        for (const r of placed.resources) resources.push(r);
        for (const e of placed.errors) errors.push(e);
      }
      firstLine += chunk.newlines;
    }
    return { resources, errors };
  }

  forget(path: string): void {
    this.byFile.delete(path);
  }
}

const LF = 10;

/** `text` stands at `offset` of `whole` (a slice compared: several times faster than startsWith). */
function at(whole: string, text: string, offset: number): boolean {
  return whole.slice(offset, offset + text.length) === text;
}

function fresh(file: SourceFile): FileState {
  const byText = new Map<string, ParsedChunk>();
  return { length: file.text.length, chunks: split(file, 0, file.text.length, byText), byText };
}

/**
 * The new version from the old one's documents: the leading ones found unchanged in place stay
 * as they are, the trailing ones found unchanged move by the change in length, and only the
 * span between is split. A leading document counts only with the line feed and marker line
 * that end it; a trailing one only with the line feed before it. Undefined when the two ends
 * overlap: then the file is split whole.
 */
function reuse(old: FileState, file: SourceFile): FileState | undefined {
  const after = file.text;
  const chunks = old.chunks;
  let keep = 0; // chunks [0, keep) are unchanged (each with the line feed that ends it)
  while (keep + 1 < chunks.length) {
    const chunk = chunks[keep] as Chunk;
    if (!at(after, chunk.text, chunk.start)) break;
    keep++;
  }
  // And the marker line that makes the boundary. Failing, the chunk before it is given up: its
  // own marker line was checked with its whole text.
  let markerEnd = -1;
  if (keep > 0) {
    const chunk = chunks[keep] as Chunk;
    const eol = chunk.text.indexOf("\n");
    if (eol >= 0 && at(after, chunk.text.slice(0, eol + 1), chunk.start)) {
      markerEnd = chunk.start + eol;
    } else {
      keep--;
      const before = chunks[keep] as Chunk;
      markerEnd = keep > 0 ? before.start + before.text.indexOf("\n") : -1;
    }
  }
  const delta = after.length - old.length;
  let tail = chunks.length; // chunks [tail, length) are unchanged, moved by `delta`
  while (tail - 1 > keep) {
    const chunk = chunks[tail - 1] as Chunk;
    const moved = chunk.start + delta;
    if (moved < 1 || after.charCodeAt(moved - 1) !== LF || !at(after, chunk.text, moved)) break;
    tail--;
  }
  const from = (chunks[keep] as Chunk).start;
  const to = tail < chunks.length ? (chunks[tail] as Chunk).start + delta : after.length;
  // Nothing between (documents only removed): the trailing chunks follow the leading ones,
  // the first of them bringing its own marker line. Overlapping ends: nothing sound to reuse.
  const removedOnly = to === from && tail < chunks.length;
  if (!removedOnly && (to <= from || markerEnd >= to)) return undefined;
  const middle = removedOnly ? [] : split(file, from, to, old.byText);
  for (let i = keep; i < tail; i++) release(chunks[i] as Chunk, old.byText);
  for (let i = tail; i < chunks.length; i++) (chunks[i] as Chunk).start += delta;
  // In place: a new array of every document per commit would be one more thing promoted.
  chunks.splice(keep, tail - keep, ...middle);
  old.length = after.length;
  return old;
}

/** The chunks of `file.text[from, to)`, a span that starts a chunk and ends one. */
function split(
  file: SourceFile,
  from: number,
  to: number,
  byText: Map<string, ParsedChunk>,
): Chunk[] {
  const span = file.text.slice(from, to);
  const out: Chunk[] = [];
  let start = 0;
  const add = (end: number) => {
    const text = span.slice(start, end);
    const parsed = isBlank(text) ? null : acquire(file.path, text, byText);
    out.push({
      start: from + start,
      text: parsed?.text ?? copy(text),
      newlines: countNewlines(text),
      parsed,
    });
  };
  for (const m of span.matchAll(MARKER)) {
    // A marker on the first line starts the first chunk: no boundary there.
    if (m.index === 0 && m[1] === "") continue;
    add(m.index + 1);
    start = m.index + 1;
  }
  add(span.length);
  return out;
}

function acquire(path: string, text: string, byText: Map<string, ParsedChunk>): ParsedChunk {
  const known = byText.get(text);
  if (known) {
    known.uses++;
    return known;
  }
  const own = copy(text);
  const result = parseSourceFile({ path, text: own });
  const parsed: ParsedChunk = {
    resources: result.resources,
    errors: result.issues.filter((i) => i.severity === "error"),
    text: own,
    uses: 1,
  };
  byText.set(own, parsed);
  return parsed;
}

function release(chunk: Chunk, byText: Map<string, ParsedChunk>): void {
  const parsed = chunk.parsed;
  if (parsed && --parsed.uses === 0) byText.delete(parsed.text);
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
 * A flat copy of a slice. What the parser and the map keep of a slice would otherwise hold that
 * whole version of the file alive as long as the document lives: memory growing with history.
 */
function copy(text: string): string {
  return Buffer.from(text, "utf8").toString("utf8");
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
