import type { InviteMessage, InvitableRole } from "../../model/index.js";
import { BackendError } from "../../model/index.js";

export interface RenderedInvite {
  subject: string;
  text: string;
  html: string;
}

/** From the seed's role table: what the invitee will be able to do. */
const ROLE_SUMMARY: Record<InvitableRole, string> = {
  admin:
    "Admins manage team members, configure the gateway, set DLP policies and use every portal " +
    "feature except billing and deleting the organization.",
  member:
    "Members use the desktop app, run skills, create assistants and engines, and see their own usage.",
};

const ARTICLE: Record<InvitableRole, string> = { admin: "an", member: "a" };

/**
 * The invitation (R7) as plain text and HTML: the organization, the role and the accept link
 * with its one-time token. Everything interpolated into the HTML is escaped; the link must be
 * http(s), so a crafted value can never become a `javascript:` link.
 */
export function renderInvite(message: InviteMessage): RenderedInvite {
  const url = acceptUrl(message.acceptUrl);
  const org = oneLine(message.orgDisplayName) || message.org;
  const role = message.role;
  const expires = formatExpiry(message.expiresAt);
  const subject = `You're invited to join ${org} on Workjet`;
  const intro = `You have been invited to join ${org} on Workjet as ${ARTICLE[role]} ${role}.`;
  const how =
    `Sign in with the Google account ${message.email} to accept: your account is then linked ` +
    `to the organization with the ${role} role.`;
  const expiry = `The link works once and expires on ${expires}.`;
  const ignore = "If you did not expect this invitation, you can ignore this email.";
  const text = [
    "Hello,",
    "",
    intro,
    ROLE_SUMMARY[role],
    "",
    "Accept the invitation:",
    url,
    "",
    how,
    expiry,
    "",
    ignore,
    "",
  ].join("\n");
  const e = escapeHtml;
  const html = [
    "<!DOCTYPE html>",
    '<html lang="en">',
    `<head><meta charset="utf-8"><title>${e(subject)}</title></head>`,
    '<body style="font-family: sans-serif; line-height: 1.5">',
    "<p>Hello,</p>",
    `<p>You have been invited to join <strong>${e(org)}</strong> on Workjet as ${ARTICLE[role]} <strong>${e(role)}</strong>.<br>${e(ROLE_SUMMARY[role])}</p>`,
    `<p><a href="${e(url)}">Accept the invitation</a></p>`,
    `<p>${e(how)}<br>${e(expiry)}</p>`,
    `<p style="font-size: small">If the button does not work, open this link: <a href="${e(url)}">${e(url)}</a><br>${e(ignore)}</p>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
  return { subject, text, html };
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

function acceptUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BackendError("invalid", "the invitation's accept link is not a URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new BackendError(
      "invalid",
      `the invitation's accept link must be http(s), not ${url.protocol}`,
    );
  }
  return url.href;
}

/** A display name goes into a Subject header: no line breaks, whatever the source held. */
function oneLine(value: string): string {
  return value.replace(/[\r\n\t]+/g, " ").trim();
}

function formatExpiry(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
