// Control characters but line breaks (a quoted field may hold those): a terminal that shows
// the file, or a viewer, would act on an escape sequence from a commit author's name.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

function hex(c: string): string {
  return `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
}

/**
 * RFC 4180 CSV: a field with a comma, quote or line break is quoted, quotes doubled. A field an
 * spreadsheet would run as a formula (=, +, -, @ first) gets a leading apostrophe: author names
 * come from commits, which anyone can write.
 */
export function csvField(value: string | number | null): string {
  let text = value === null ? "" : String(value).replace(CONTROL, hex);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function renderCsv(headers: string[], rows: (string | number | null)[][]): string {
  return [headers, ...rows].map((r) => r.map(csvField).join(",")).join("\n") + "\n";
}
