import type { ActualOrganization, JournalIntent } from "../model/index.js";
import { normalizeEmail } from "../model/index.js";

/**
 * Whether the backend, as observed now, holds the effect the intent's write would have had:
 * true, false, or undefined when the intent does not say enough to tell (updateOrganization
 * carries no settings). Pure. The effect may also be someone else's doing; a backend that keeps
 * idempotency records answers exactly instead (IdentityBackend.writeOutcome).
 */
export function effectPresent(
  intent: JournalIntent,
  actual: ActualOrganization | null,
): boolean | undefined {
  if (intent.action === "createOrganization") return actual !== null;
  if (actual === null) return false;
  const same = (email: string | undefined) => (other: { email: string }) =>
    email !== undefined && normalizeEmail(other.email) === normalizeEmail(email);
  const member = actual.members.find(same(intent.email));
  const invitation = actual.invitations.find(same(intent.email));
  switch (intent.action) {
    case "invite":
      return invitation?.role === intent.role || member?.role === intent.role;
    case "resendInvite":
      // A resend issues a new link: the invitation was sent again after the intent.
      return (
        invitation !== undefined &&
        invitation.status === "pending" &&
        Date.parse(invitation.sentAt) >= Date.parse(intent.time)
      );
    case "cancelInvite":
      return invitation === undefined;
    case "changeRole":
      return member !== undefined && member.role === intent.to;
    case "transferOwnership":
      return actual.members.find(same(intent.to))?.role === "owner";
    case "remove":
      return member === undefined;
    default:
      return undefined;
  }
}
