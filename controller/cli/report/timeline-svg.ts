import type { HistoryEntry } from "../../audit/history.js";
import { escapeHtml } from "./escape.js";

const ROW = 28;
const LEFT = 220;
const WIDTH = 960;
const TOP = 34;

const ROLE_COLOUR: Record<string, string> = {
  owner: "#6a3d9a",
  admin: "#1f78b4",
  member: "#33a02c",
};

interface Span {
  from: number;
  to: number;
  role: string;
}

/**
 * Each person's grants, role changes and revocations drawn on one time axis: a bar per period
 * of access coloured by role, a mark per event (a circle for a grant or change, a cross for a
 * revocation or expiry) whose title names the commit, PR and author. Inline SVG: no script, no
 * external resource.
 */
export function timelineSvg(
  entries: readonly HistoryEntry[],
  now: number,
  caption: string,
): string {
  const people = [...new Set(entries.map((e) => e.email))].sort();
  if (people.length === 0) return "<p>No membership changes.</p>";
  const start = Math.min(...entries.map((e) => Date.parse(e.date)));
  const end = Math.max(now, start + 86400_000);
  const x = (t: number) => LEFT + ((t - start) / (end - start)) * (WIDTH - LEFT - 20);
  const height = TOP + people.length * ROW + 10;
  const parts: string[] = [
    `<svg class="timeline" role="img" aria-labelledby="tl-${hash(caption)}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="tl-${hash(caption)}">${escapeHtml(caption)}</title>`,
    ...axis(start, end, x, height),
  ];
  people.forEach((email, i) => {
    const y = TOP + i * ROW + ROW / 2;
    const mine = entries.filter((e) => e.email === email);
    parts.push(`<text x="8" y="${y + 4}" class="who">${escapeHtml(email)}</text>`);
    for (const s of spans(mine, now)) {
      parts.push(
        `<rect class="span" x="${x(s.from).toFixed(1)}" y="${y - 6}" width="${Math.max(2, x(s.to) - x(s.from)).toFixed(1)}" height="12" rx="3" fill="${ROLE_COLOUR[s.role] ?? "#999"}"><title>${escapeHtml(`${email}: ${s.role}`)}</title></rect>`,
      );
    }
    for (const e of mine) parts.push(mark(e, x(Date.parse(e.date)), y));
  });
  parts.push("</svg>");
  return parts.join("\n");
}

function spans(entries: readonly HistoryEntry[], now: number): Span[] {
  const out: Span[] = [];
  let open: { from: number; role: string } | undefined;
  for (const e of entries) {
    const t = Date.parse(e.date);
    if (open) out.push({ from: open.from, to: t, role: open.role });
    open = e.to === null ? undefined : { from: t, role: e.to };
  }
  if (open) out.push({ from: open.from, to: now, role: open.role });
  return out;
}

function mark(e: HistoryEntry, cx: number, cy: number): string {
  const pr = e.pr === null ? "" : ` (#${e.pr})`;
  const title = escapeHtml(
    `${e.date} ${e.change} ${e.from ?? "∅"} → ${e.to ?? "∅"}, commit ${e.commit.slice(0, 12)}${pr} by ${e.author}`,
  );
  const cls = `mark mark-${e.change}`;
  if (e.to === null) {
    const d = 6;
    return `<g class="${cls}" data-change="${e.change}"><title>${title}</title><path d="M${(cx - d).toFixed(1)} ${cy - d}L${(cx + d).toFixed(1)} ${cy + d}M${(cx - d).toFixed(1)} ${cy + d}L${(cx + d).toFixed(1)} ${cy - d}" stroke="#d62728" stroke-width="3"/></g>`;
  }
  return `<g class="${cls}" data-change="${e.change}"><title>${title}</title><circle cx="${cx.toFixed(1)}" cy="${cy}" r="6" fill="#fff" stroke="#222" stroke-width="2"/></g>`;
}

function axis(start: number, end: number, x: (t: number) => number, height: number): string[] {
  const out = [
    `<line x1="${LEFT}" y1="${TOP - 8}" x2="${WIDTH - 20}" y2="${TOP - 8}" stroke="#444"/>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const t = start + ((end - start) * i) / 4;
    const px = x(t).toFixed(1);
    out.push(
      `<line x1="${px}" y1="${TOP - 12}" x2="${px}" y2="${height - 6}" stroke="#ddd"/>`,
      `<text x="${px}" y="${TOP - 16}" text-anchor="middle" class="tick">${new Date(t).toISOString().slice(0, 10)}</text>`,
    );
  }
  return out;
}

function hash(text: string): string {
  let h = 0;
  for (const ch of text) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h.toString(36);
}
