import type {
  ActualInvitation,
  ActualMember,
  ActualOrganization,
  Precondition,
} from "../model/index.js";
import type { Step } from "../plan/types.js";

/**
 * What each write expects of the record it changes, read off the snapshot the plan was made
 * from. The backend refuses the write when the record moved on since (someone else wrote): the
 * organization is then observed and planned again instead of overwriting a change it never saw.
 * A backend that reports no versions gets no precondition and relies on natural idempotency.
 */
export class Preconditions {
  private readonly members = new Map<string, ActualMember>();
  private readonly invitations = new Map<string, ActualInvitation>();
  /** Old owners whose membership the plan's own transfer changes before their next step. */
  private readonly transferredFrom = new Set<string>();

  constructor(
    private readonly actual: ActualOrganization | null | undefined,
    steps: readonly Step[] = [],
  ) {
    for (const m of actual?.members ?? []) this.members.set(m.email, m);
    for (const i of actual?.invitations ?? []) this.invitations.set(i.email, i);
    for (const s of steps) if (s.action === "transferOwnership") this.transferredFrom.add(s.from);
  }

  of(step: Step): Precondition | undefined {
    switch (step.action) {
      case "createOrganization":
        return ABSENT;
      case "updateOrganization":
        return versioned(this.actual?.settingsVersion);
      case "invite": {
        const invitation = this.invitations.get(step.email);
        if (invitation) return versioned(invitation.version);
        return this.members.has(step.email) ? undefined : ABSENT;
      }
      case "resendInvite":
      case "cancelInvite":
        return versioned(this.invitations.get(step.email)?.version);
      case "changeRole":
      case "remove":
        // The transfer before it made the old owner an admin: their version is no longer the
        // snapshot's, by Roster's own write. The role the step starts from (`from`, checked by
        // the backend) and the transfer it waits for (dependencies.ts) guard it instead.
        if (this.transferredFrom.has(step.email)) return undefined;
        return versioned(this.members.get(step.email)?.version);
      case "transferOwnership":
        return versioned(this.members.get(step.to)?.version);
    }
  }
}

const ABSENT: Precondition = { absent: true };

function versioned(version: string | undefined): Precondition | undefined {
  return version === undefined ? undefined : { version };
}
