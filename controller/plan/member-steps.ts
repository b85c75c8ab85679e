import type { ActualInvitation, InvitableRole, Role } from "../model/index.js";
import type { OrgContext } from "./org-context.js";

/** The date part of an ISO timestamp, as people read it in a reason. */
export function day(iso: string): string {
  return /^\d{4}-\d{2}-\d{2}T/.test(iso) ? iso.slice(0, 10) : iso;
}

/**
 * Makes sure `email`, not an active member, holds an invitation with `role` (R7); `inv` is the
 * invitation the backend has for them, if any. A pending one
 * with that role counts as done, another role is re-invited (the backend's invite is an upsert),
 * an expired one is resent — or re-issued with the new role when that differs too.
 * `why` opens the reason, e.g. "declared as admin in acme".
 */
export function ensureInvited(
  ctx: OrgContext,
  email: string,
  inv: ActualInvitation | undefined,
  role: InvitableRole,
  why: string,
  options: { autoProvisioned?: boolean; waitingFor?: string } = {},
): void {
  const base = {
    org: ctx.name,
    email,
    role,
    ...(options.autoProvisioned ? { autoProvisioned: true } : {}),
  };
  if (inv === undefined) {
    ctx.out.propose(
      { action: "invite", ...base, reason: `${why}; not a member, not invited` },
      options.waitingFor,
    );
  } else if (inv.status === "pending") {
    if (inv.role === role) return;
    ctx.out.propose(
      {
        action: "invite",
        ...base,
        reason: `${why}; the pending invitation is for ${inv.role}: re-invited as ${role}`,
      },
      options.waitingFor,
    );
  } else if (inv.role === role) {
    ctx.out.propose(
      {
        action: "resendInvite",
        ...base,
        reason: `${why}; invitation expired on ${day(inv.expiresAt)}`,
      },
      options.waitingFor,
    );
  } else {
    ctx.out.propose(
      {
        action: "invite",
        ...base,
        reason: `${why}; the ${inv.role} invitation expired on ${day(inv.expiresAt)}: invited again as ${role}`,
      },
      options.waitingFor,
    );
  }
}

/**
 * One `changeRole` (never remove + add: R6 would revoke the member's keys and sessions).
 * Returns true when the step will be applied in this run.
 */
export function changeRole(
  ctx: OrgContext,
  email: string,
  from: Role,
  to: Role,
  reason: string,
  waitingFor?: string,
): boolean {
  return ctx.out.propose(
    { action: "changeRole", org: ctx.name, email, from, to, reason },
    waitingFor,
  );
}
