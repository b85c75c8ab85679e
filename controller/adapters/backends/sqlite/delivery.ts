import type { InviteMessage } from "../../../model/index.js";
import { enqueueInviteMail, pendingInvitationId, type MailJobKind } from "./mail-jobs.js";
import type { OrgRow, Tx } from "./store-core.js";
import type { InviteResult } from "./store-types.js";

/**
 * Queues the mail of an invite or resend that issued a token, in the same transaction (the
 * outbox): the invitation never exists without its mail on the way. Returns the result with
 * the job's id; the caller may try to send it at once, and the dispatcher retries.
 */
export function queueInviteMail(
  tx: Tx,
  org: OrgRow,
  result: InviteResult,
  kind: MailJobKind,
  acceptUrlBase: string,
): InviteResult {
  const { token, invitation } = result;
  if (token === undefined || invitation === undefined) return result;
  const invitationId = pendingInvitationId(tx, org.id, invitation.email);
  if (invitationId === undefined) return result;
  const message: Omit<InviteMessage, "id"> = {
    org: invitation.org,
    orgDisplayName: org.display_name,
    email: invitation.email,
    role: invitation.role,
    acceptUrl: acceptLink(acceptUrlBase, token),
    expiresAt: invitation.expiresAt,
  };
  return { ...result, mailJob: enqueueInviteMail(tx, { invitationId, kind, message }) };
}

/** The Portal's accept page under its base address (`--accept-url`): `BASE/accept?token=…`. */
export function acceptLink(portalBase: string, token: string): string {
  const url = new URL(
    ACCEPT_PAGE_PATH.slice(1),
    portalBase.endsWith("/") ? portalBase : `${portalBase}/`,
  );
  url.search = "";
  url.searchParams.set("token", token);
  return url.href;
}

/** Where `roster serve` serves the page the invitation link opens. */
export const ACCEPT_PAGE_PATH = "/accept";
