import type { Mailer } from "../../../model/index.js";
import type { InviteResult } from "./store-types.js";

/**
 * Sends the invitation mail after the write committed (R7). A failed send is reported in the
 * result and never rolls the invitation back: the invite exists, and a resend delivers it.
 */
export async function deliverInvite(
  mailer: Mailer,
  acceptUrlBase: string,
  orgDisplayName: string,
  result: InviteResult,
): Promise<InviteResult> {
  const { token, invitation } = result;
  if (token === undefined || invitation === undefined) return result;
  const separator = acceptUrlBase.includes("?") ? "&" : "?";
  try {
    await mailer.sendInvite({
      org: invitation.org,
      orgDisplayName,
      email: invitation.email,
      role: invitation.role,
      acceptUrl: `${acceptUrlBase}${separator}token=${encodeURIComponent(token)}`,
      expiresAt: invitation.expiresAt,
    });
    return { ...result, delivery: { sent: true, via: mailer.describe } };
  } catch (error) {
    // A mailer may echo the message, and so the token, in its error: never pass it on.
    const message = error instanceof Error ? error.message : String(error);
    return { ...result, delivery: { sent: false, error: message.split(token).join("[token]") } };
  }
}
