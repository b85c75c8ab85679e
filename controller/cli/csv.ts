/**
 * RFC 4180 CSV: a field with a comma, quote or line break is quoted, quotes doubled. A field an
 * spreadsheet would run as a formula (=, +, -, @ first) gets a leading apostrophe: author names
 * come from commits, which anyone can write.
 */
export function csvField(value: string | number | null): string {
  let text = value === null ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function renderCsv(headers: string[], rows: (string | number | null)[][]): string {
  return [headers, ...rows].map((r) => r.map(csvField).join(",")).join("\n") + "\n";
}
