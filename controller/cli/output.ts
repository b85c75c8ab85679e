/** Output formats a command accepts with `-o`. */
export function parseOutputFormat<T extends string>(value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`unknown output format "${value}" (use one of: ${allowed.join(", ")})`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

// C0 controls, DEL and C1 controls: a terminal acts on them (colours, cursor moves, OSC links).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Untrusted text made inert for a terminal: every control character is shown escaped
 * (`\x1b`, `\n`), so a stored value can neither forge a line nor send an escape sequence.
 */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\t") return "\\t";
    if (c === "\r") return "\\r";
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}

/** A plain left-aligned text table; the last column is never padded; cells are printable. */
export function renderTable(headers: string[], rawRows: string[][]): string {
  const rows = rawRows.map((r) => r.map(printable));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n") + "\n";
}
