import type {
  ActualInvitation,
  ActualMember,
  DesiredMember,
  InvitableRole,
} from "../model/index.js";
import { changeRole, ensureInvited } from "./member-steps.js";
import type { OrgContext } from "./org-context.js";
import { undeclaredInvitation, undeclaredMember } from "./undeclared.js";

/** Everything known about one email, gathered by the merge walk. */
interface Row {
  email: string;
  declared: DesiredMember | undefined;
  member: ActualMember | undefined;
  invitation: ActualInvitation | undefined;
  inDirectory: boolean;
}

/**
 * Declared vs. actual members of one existing organization. The four sorted collections
 * (declared, members, invitations, directory) are walked together once — a merge join, O(n), no
 * nested scans and no hashing — and each email is decided on its own row. Emails the ownership
 * logic handled (the declared owner, every actual owner) only get a leftover invitation withdrawn.
 */
export function diffMembers(ctx: OrgContext, handled: ReadonlySet<string>): void {
  const { desired, members, invitations } = ctx;
  const directory = ctx.directory ?? [];
  let d = 0;
  let m = 0;
  let i = 0;
  let u = 0;
  for (;;) {
    let email: string | undefined = desired[d]?.email;
    email = lowest(email, members[m]?.email);
    email = lowest(email, invitations[i]?.email);
    email = lowest(email, directory[u]);
    if (email === undefined) return;
    const row: Row = {
      email,
      declared: desired[d]?.email === email ? desired[d++] : undefined,
      member: members[m]?.email === email ? members[m++] : undefined,
      invitation: invitations[i]?.email === email ? invitations[i++] : undefined,
      inDirectory: directory[u] === email ? (u++, true) : false,
    };
    diffRow(ctx, row, handled.has(email));
  }
}

function lowest(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return b < a ? b : a;
}

function diffRow(ctx: OrgContext, row: Row, handled: boolean): void {
  const { email, declared, member, invitation } = row;
  const org = ctx.name;
  if (member !== undefined && invitation !== undefined) {
    ctx.out.propose({
      action: "cancelInvite",
      org,
      email,
      role: invitation.role,
      reason: `already an active member of ${org}; the leftover ${invitation.role} invitation is withdrawn`,
    });
  }
  if (handled) return;

  if (declared !== undefined) {
    if (member === undefined) {
      // Only the declared owner may carry `owner`, and `handled` covers them: this is admin|member.
      const role = declared.role as InvitableRole;
      ensureInvited(ctx, email, invitation, role, `declared as ${role} in ${org}`);
    } else if (member.role !== declared.role) {
      const why = `declared as ${declared.role} in ${org}, is ${member.role}`;
      changeRole(ctx, email, member.role, declared.role, why);
    }
    return;
  }

  if (member !== undefined) {
    undeclaredMember(ctx, email, member.role, member.autoProvisioned === true, {
      inDirectory: row.inDirectory,
    });
    return;
  }

  if (row.inDirectory) {
    const role = ctx.desiredOrg.settings.autoProvisioning.role;
    const why = `an active directory user and ${org} auto-provisions (R8) as ${role}`;
    ensureInvited(ctx, email, invitation, role, why, { autoProvisioned: true });
  } else if (invitation !== undefined) {
    undeclaredInvitation(ctx, email, invitation.role);
  }
}
