/** GitHub's numbers that shape what Roster sends (FACTS.md, GitHub REST docs). */

/** An issue or PR comment body, and a check run's `output.summary`/`output.text`, at most. */
export const GITHUB_TEXT_LIMIT = 65_535;

/** `checks.create` / `checks.update` accept at most 50 annotations per request. */
export const ANNOTATIONS_PER_REQUEST = 50;

/** Lists page at most 100 items. */
export const PAGE_SIZE = 100;

/** The hidden marker that finds Roster's own PR comment again, to update it in place. */
export const COMMENT_MARKER = "<!-- roster-check -->";

/** The name of the check run on each head commit. */
export const CHECK_NAME = "roster";

/**
 * A last guard before sending: text over `limit` is cut at a line break and ends with `note`,
 * so GitHub never rejects the request (a rejected comment would fail the check).
 * Lengths are UTF-16 code units, never fewer than GitHub's characters.
 */
export function clampText(text: string, limit = GITHUB_TEXT_LIMIT, note = truncatedNote()): string {
  if (text.length <= limit) return text;
  const room = Math.max(0, limit - note.length - 2);
  let cut = text.slice(0, room);
  const lastBreak = cut.lastIndexOf("\n");
  if (lastBreak > room / 2) cut = cut.slice(0, lastBreak);
  // Never end inside a surrogate pair.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}\n\n${note}`.slice(0, limit);
}

export function truncatedNote(): string {
  return `_Truncated to fit GitHub's ${GITHUB_TEXT_LIMIT.toLocaleString("en-US")}-character limit: run \`roster check\` locally (or \`-o json\`) for the whole report._`;
}
