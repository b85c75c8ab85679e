import { PERMISSIONS } from "../../model/index.js";
import type { InvitableRole } from "../../model/index.js";

/** What the page knows about the invitation; every string may come from a hostile source. */
export interface PageInvitation {
  org: string;
  orgDisplayName: string;
  email: string;
  role: InvitableRole;
  invitedBy: string;
  expiresAt: string;
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const e = escapeHtml;

// Inline styles only: the page makes no request of its own (CSP default-src 'none').
const STYLE = `body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}
table{border-collapse:collapse;margin:1rem 0}td,th{padding:.2rem .8rem .2rem 0;text-align:left;vertical-align:top}
button{font-size:1rem;padding:.5rem 1.2rem;cursor:pointer}.muted{color:#555;font-size:.9rem}`;

function page(title: string, body: string): string {
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="same-origin">',
    `<title>${e(title)}</title>`,
    `<style>${STYLE}</style>`,
    "</head>",
    "<body>",
    body,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

/** The inviter as stored: `user:alice@acme.com`, or `system:…` for Roster itself. */
function inviter(invitedBy: string): string {
  if (invitedBy.startsWith("user:")) return invitedBy.slice("user:".length);
  return "your organization's administrators (through Roster)";
}

function when(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime())
    ? iso
    : `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function orgName(inv: PageInvitation): string {
  return inv.orgDisplayName.trim() === "" ? inv.org : inv.orgDisplayName;
}

/** R9: what the role may do, read from the one permission matrix. */
function permissionList(role: InvitableRole): string {
  const items = PERMISSIONS.map(
    (p) => `<tr><td>${p[role] ? "✓ yes" : "✗ no"}</td><td>${e(p.label)}</td></tr>`,
  );
  return `<table aria-label="what the ${e(role)} role may do">${items.join("")}</table>`;
}

/** GET with a live link: who invites whom to what, and the button. */
export function invitationPage(inv: PageInvitation, token: string, csrf: string): string {
  const name = orgName(inv);
  return page(
    `Join ${name} on Workjet`,
    [
      `<h1>Join <span id="org">${e(name)}</span> on Workjet</h1>`,
      `<p><strong>${e(inviter(inv.invitedBy))}</strong> invited <strong>${e(inv.email)}</strong> ` +
        `to the organization <strong>${e(name)}</strong> (<code>${e(inv.org)}</code>) ` +
        `as <strong id="role">${e(inv.role)}</strong>.</p>`,
      `<p>As ${inv.role === "admin" ? "an" : "a"} ${e(inv.role)} you may:</p>`,
      permissionList(inv.role),
      `<p>This invitation expires on <strong>${e(when(inv.expiresAt))}</strong>.</p>`,
      '<form method="post" action="accept">',
      `<input type="hidden" name="token" value="${e(token)}">`,
      `<input type="hidden" name="csrf" value="${e(csrf)}">`,
      `<button type="submit" id="accept">Accept the invitation</button>`,
      "</form>",
      `<p class="muted">Accepting links the account ${e(inv.email)} to ${e(name)}. ` +
        "Then sign in with that Google account. If you did not expect this invitation, close this page.</p>",
    ].join("\n"),
  );
}

export function acceptedPage(inv: {
  org: string;
  orgDisplayName: string;
  email: string;
  role: string;
}): string {
  const name = inv.orgDisplayName.trim() === "" ? inv.org : inv.orgDisplayName;
  return page(
    `You joined ${name}`,
    [
      `<h1 id="done">You joined ${e(name)}</h1>`,
      `<p><strong>${e(inv.email)}</strong> is now a member of <strong>${e(name)}</strong> ` +
        `with the role <strong id="role">${e(inv.role)}</strong>.</p>`,
      `<p>Sign in to Workjet with the Google account ${e(inv.email)} to start.</p>`,
    ].join("\n"),
  );
}

export type DeadLink = "expired" | "accepted" | "cancelled" | "unknown";

const DEAD: Record<DeadLink, { title: string; text: string }> = {
  expired: {
    title: "This invitation has expired",
    text: "The link in your invitation mail is no longer valid. Ask an admin or the owner of the organization to resend the invitation: you will get a new mail with a new link.",
  },
  accepted: {
    title: "This invitation was already used",
    text: "The invitation was accepted already: sign in to Workjet with the invited Google account. If that was not you, tell an admin of the organization.",
  },
  cancelled: {
    title: "This invitation was cancelled",
    text: "An admin of the organization withdrew this invitation. If you should still join, ask an admin or the owner to invite you again.",
  },
  unknown: {
    title: "This invitation link is not valid",
    text: "The link may be incomplete, or the invitation was sent again with a new link (only the latest mail works). Check for a newer mail, or ask an admin of the organization to resend the invitation.",
  },
};

export function deadLinkPage(kind: DeadLink, inv?: PageInvitation): string {
  const { title, text } = DEAD[kind];
  const about = inv
    ? `<p>Invitation of <strong>${e(inv.email)}</strong> to <strong>${e(orgName(inv))}</strong> as ${e(inv.role)}` +
      (kind === "expired" ? `, expired on ${e(when(inv.expiresAt))}` : "") +
      ".</p>"
    : "";
  return page(title, [`<h1 id="dead">${e(title)}</h1>`, about, `<p>${e(text)}</p>`].join("\n"));
}

/** A refused form post (stale page, another site): nothing was accepted. */
export function refusedPage(reason: string): string {
  return page(
    "Nothing was accepted",
    [
      '<h1 id="refused">Nothing was accepted</h1>',
      `<p>${e(reason)}</p>`,
      "<p>Open the link from your invitation mail again and press the button on that page.</p>",
    ].join("\n"),
  );
}
