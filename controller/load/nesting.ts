const NEWLINE = 10;
const SPACE = 32;
const TAB = 9;
const HASH = 35;
const QUOTE = 39;
const DQUOTE = 34;
const BACKSLASH = 92;

/**
 * An upper estimate of how deeply a YAML text nests, in one linear pass without parsing.
 * The `yaml` package needs this guard: on a document nested 100,000 levels deep its composer
 * runs out of memory and takes the process down, which no try/catch can stop.
 *
 * The estimate errs high, never low: every `[`/`{` outside a comment opens a level (even in a
 * quoted string), each line's indentation adds the levels of its enclosing block lines, and
 * compact `- `/`? ` indicators add one each. Document markers reset it.
 * Returns the offset where the estimate first exceeds `limit`, or -1.
 */
export function findExcessiveNesting(text: string, limit: number): number {
  const indents: number[] = [];
  let flow = 0;
  let pos = 0;
  const n = text.length;
  while (pos < n) {
    let end = text.indexOf("\n", pos);
    if (end < 0) end = n;
    let i = pos;
    while (i < end && text.charCodeAt(i) === SPACE) i++;
    if (pos === i && isDocumentMarker(text, pos, end)) {
      flow = 0;
      indents.length = 0;
      pos = end + 1;
      continue;
    }
    const first = text.charCodeAt(i);
    const blank = i >= end || first === HASH || first === 13;
    if (!blank && flow === 0) {
      const indent = i - pos;
      while (indents.length > 0 && (indents[indents.length - 1] as number) >= indent) indents.pop();
      indents.push(indent);
    }
    let compact = 0;
    let quote = 0;
    let atNodeStart = true;
    for (let j = i; j < end; j++) {
      const c = text.charCodeAt(j);
      // Brackets count even inside quotes: misreading where a quoted scalar ends must never
      // hide nesting from the guard. Quotes matter only so a `#` inside one is not a comment.
      if (c === 0x5b || c === 0x7b) {
        flow++;
      } else if ((c === 0x5d || c === 0x7d) && flow > 0) {
        flow--;
      } else if (quote !== 0) {
        if (c === BACKSLASH && quote === DQUOTE) j++;
        else if (c === quote) quote = 0;
        continue;
      } else if (c === SPACE || c === TAB) {
        continue;
      } else if (c === HASH && (j === i || isBlank(text.charCodeAt(j - 1)))) {
        break;
      } else if ((c === QUOTE || c === DQUOTE) && atNodeStart) {
        quote = c;
      } else if ((c === 0x2d || c === 0x3f) && atNodeStart && isBlankOrEnd(text, j + 1, end)) {
        compact++;
      }
      if (indents.length + compact + flow > limit) return j;
      // A quote opens a scalar only where a node may start: at the line start or after an
      // indicator, not inside a plain scalar such as `it's`.
      atNodeStart =
        c === 0x5b || c === 0x7b || c === 0x2c || c === 0x3a || c === 0x2d || c === 0x3f;
    }
    pos = end + 1;
  }
  return -1;
}

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB || c === NEWLINE;
}

function isBlankOrEnd(text: string, at: number, end: number): boolean {
  return at >= end || isBlank(text.charCodeAt(at)) || text.charCodeAt(at) === 13;
}

/** `---` or `...` at column 0, followed by a blank or the end of the line. */
export function isDocumentMarker(text: string, start: number, end: number): boolean {
  const c = text.charCodeAt(start);
  if ((c !== 0x2d && c !== 0x2e) || end - start < 3) return false;
  if (text.charCodeAt(start + 1) !== c || text.charCodeAt(start + 2) !== c) return false;
  return isBlankOrEnd(text, start + 3, end);
}
