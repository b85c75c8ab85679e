import type { InvitableRole } from "../../../model/index.js";
import type { Sql } from "./store-core.js";
import type { InvitationStatus } from "./store-types.js";
import { hashToken } from "./tokens.js";

/** What the accept page shows about the invitation a link carries. */
export interface InvitationByToken {
  org: string;
  orgDisplayName: string;
  email: string;
  role: InvitableRole;
  invitedBy: string;
  sentAt: string;
  expiresAt: string;
  status: InvitationStatus;
}

/**
 * The invitation whose token this is, or undefined (unknown, or superseded by a resend: the
 * row then holds the new token's hash). The token is the authority: no actor is needed.
 */
export function invitationByToken(
  sql: Sql,
  token: string,
  now: Date,
): InvitationByToken | undefined {
  const row = sql
    .get(
      `SELECT o.slug, o.display_name, i.email, i.role, i.invited_by, i.sent_at, i.expires_at, i.status
       FROM invitations i JOIN organizations o ON o.id = i.org_id WHERE i.token_hash = ?`,
    )
    .get(hashToken(token)) as
    | {
        slug: string;
        display_name: string;
        email: string;
        role: InvitableRole;
        invited_by: string;
        sent_at: string;
        expires_at: string;
        status: "pending" | "accepted" | "cancelled";
      }
    | undefined;
  if (!row) return undefined;
  const expired = row.status === "pending" && Date.parse(row.expires_at) <= now.getTime();
  return {
    org: row.slug,
    orgDisplayName: row.display_name,
    email: row.email,
    role: row.role,
    invitedBy: row.invited_by,
    sentAt: row.sent_at,
    expiresAt: row.expires_at,
    status: expired ? "expired" : row.status,
  };
}
