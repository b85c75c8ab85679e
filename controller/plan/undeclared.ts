import { emailDomain, isInDomains } from "../model/index.js";
import type { InvitableRole, Role } from "../model/index.js";
import type { OrgContext } from "./org-context.js";

export interface UndeclaredOptions {
  /** An active user of the backend's directory (R8, only known with a directory). */
  inDirectory?: boolean;
  /** Set when the decision must wait (the old owner while the transfer is blocked). */
  waitingFor?: string;
  /** Prepended to the reason, e.g. "after the ownership transfer to bob@acme.com". */
  note?: string;
}

/**
 * An active member the source does not declare. In order:
 * 1. directory auto-provisioning (R8, backend knows its directory): an active directory user is
 *    kept — removing them would only see them provisioned again; an auto-provisioned member who
 *    left the directory (suspended, deleted) is removed;
 * 2. in the managed set (Roster declared them in an earlier apply): removed;
 * 3. the org auto-provisions their domain (R8): kept and reported — they may have signed in;
 * 4. otherwise the org's `unmanaged` policy: `remove` removes, `report` reports.
 * `role` is the role being revoked (after a transfer the old owner is an admin).
 */
export function undeclaredMember(
  ctx: OrgContext,
  email: string,
  role: Role,
  autoProvisioned: boolean,
  options: UndeclaredOptions = {},
): void {
  const org = ctx.name;
  const prefix = options.note === undefined ? "" : `${options.note}: `;
  const remove = (why: string): void => {
    ctx.out.propose(
      { action: "remove", org, email, role, reason: `${prefix}${why}` },
      options.waitingFor,
    );
  };
  const keep = (code: string, why: string): void => {
    ctx.out.warn({
      org,
      email,
      code,
      message: `${prefix}${email} is ${role} in ${org} but not declared; ${why}`,
    });
  };

  if (ctx.directory !== undefined) {
    if (options.inDirectory === true) {
      keep(
        "auto-provisioned-member",
        "kept: an active directory user and the organization auto-provisions (R8)",
      );
      return;
    }
    if (autoProvisioned) {
      remove(
        `auto-provisioned in ${org} and no longer an active directory user (suspended or deleted)`,
      );
      return;
    }
  }
  if (ctx.managed.has(email)) {
    remove(`not declared in ${org}; managed by Roster since an earlier apply`);
    return;
  }
  const settings = ctx.desiredOrg.settings;
  if (settings.autoProvisioning.enabled && isInDomains(email, settings.domains)) {
    keep(
      "auto-provisioned-member",
      `kept: ${emailDomain(email)} is auto-provisioned (R8) and Roster never managed them`,
    );
    return;
  }
  if (ctx.desiredOrg.policy.unmanaged === "remove") {
    remove(`not declared in ${org} and never managed by Roster; unmanaged: remove`);
    return;
  }
  keep("unmanaged-member", "left alone (unmanaged: report)");
}

/**
 * An open invitation (pending or expired) the source does not declare, of someone who is not a
 * member. Like a member: Roster's own (marked managed) is cancelled; one Roster never managed —
 * sent from the Portal by a person — follows the org's `unmanaged` policy, so `report` leaves it.
 */
export function undeclaredInvitation(ctx: OrgContext, email: string, role: InvitableRole): void {
  const org = ctx.name;
  const cancel = (why: string): void => {
    ctx.out.propose({ action: "cancelInvite", org, email, role, reason: why });
  };
  if (ctx.managed.has(email)) {
    cancel(
      `invited to ${org} as ${role} but not declared; managed by Roster since an earlier apply`,
    );
    return;
  }
  if (ctx.desiredOrg.policy.unmanaged === "remove") {
    cancel(
      `invited to ${org} as ${role} but not declared, and never managed by Roster; unmanaged: remove`,
    );
    return;
  }
  ctx.out.warn({
    org,
    email,
    code: "unmanaged-invitation",
    message: `${email} is invited to ${org} as ${role} but not declared; left alone (unmanaged: report)`,
  });
}
