import { RULES } from "../model/index.js";
import { changeRole, ensureInvited } from "./member-steps.js";
import type { OrgContext } from "./org-context.js";
import type { Step } from "./types.js";
import { undeclaredMember } from "./undeclared.js";

/**
 * R2 and R5: the backend ends with exactly the declared owner, and ownership only moves by one
 * `transferOwnership` to an active member (the old owner becomes an admin). The old owner is never
 * demoted or removed on their own: their follow-up waits for the transfer. A backend with no
 * owner (Google groups) gets the declared owner promoted; one with several is repaired to one.
 *
 * Returns the emails handled here (the declared owner and every actual owner), which the member
 * diff then skips.
 */
export function planOwnership(ctx: OrgContext): Set<string> {
  const next = ctx.owner;
  const owners = ctx.actualOwners;
  const handled = new Set<string>([next, ...owners]);

  if (owners.includes(next)) {
    for (const extra of owners) if (extra !== next) demoteExtraOwner(ctx, extra);
    return handled;
  }
  if (owners.length === 0) {
    promoteToOwner(ctx);
    return handled;
  }

  // The declared owner is not an owner yet: one transfer from the current owner (the first by
  // email when the backend holds several; the others are demoted).
  const [current, ...extras] = owners as [string, ...string[]];
  for (const extra of extras) demoteExtraOwner(ctx, extra);
  const transfer: Step = {
    action: "transferOwnership",
    org: ctx.name,
    email: next,
    from: current,
    to: next,
    reason: `declared owner of ${ctx.name} is ${next}, the current owner is ${current}`,
  };
  let waitingFor: string | undefined;
  if (ctx.member(next) !== undefined) {
    if (!ctx.out.propose(transfer)) {
      waitingFor = `waiting for the ownership transfer from ${current} to ${next}`;
    }
  } else {
    ensureInvited(
      ctx,
      next,
      ctx.invitation(next),
      "admin",
      `declared owner of ${ctx.name}, invited as admin until they accept and ownership is transferred`,
    );
    const accept = `waiting for ${next} to accept the invitation`;
    ctx.out.block(transfer, accept);
    waitingFor = `waiting for the ownership transfer to ${next} (${accept})`;
  }
  afterTransfer(ctx, current, waitingFor);
  return handled;
}

/** The backend has no owner at all: the declared owner is promoted (or invited first). */
function promoteToOwner(ctx: OrgContext): void {
  const next = ctx.owner;
  const member = ctx.member(next);
  const reason = `declared owner of ${ctx.name}; the backend has no owner (R2: ${RULES.R2})`;
  if (member !== undefined) {
    changeRole(ctx, next, member.role, "owner", reason);
    return;
  }
  ensureInvited(
    ctx,
    next,
    ctx.invitation(next),
    "admin",
    `declared owner of ${ctx.name}, invited as admin until they accept and are made owner`,
  );
  ctx.out.block(
    { action: "changeRole", org: ctx.name, email: next, from: "admin", to: "owner", reason },
    `waiting for ${next} to accept the invitation`,
  );
}

/** The old owner after a transfer is an admin (R5): bring them to their declared fate. */
function afterTransfer(ctx: OrgContext, old: string, waitingFor: string | undefined): void {
  const declared = ctx.declared(old)?.role;
  const note = `after the ownership transfer to ${ctx.owner}`;
  if (declared === "member") {
    changeRole(
      ctx,
      old,
      "admin",
      "member",
      `declared as member in ${ctx.name}; ${note}, ${old} is admin`,
      waitingFor,
    );
  } else if (declared === undefined) {
    const autoProvisioned = ctx.member(old)?.autoProvisioned === true;
    undeclaredMember(ctx, old, "admin", autoProvisioned, {
      note,
      inDirectory: ctx.inDirectory(old),
      ...optional(waitingFor),
    });
  }
}

/** R2 repair: an owner besides the declared one goes to their declared role (or admin). */
function demoteExtraOwner(ctx: OrgContext, email: string): void {
  const declared = ctx.declared(email)?.role;
  const count = ctx.actualOwners.length;
  const r2 = `${ctx.name} has ${count} owners and R2 allows one`;
  if (declared !== undefined) {
    changeRole(ctx, email, "owner", declared, `declared as ${declared} in ${ctx.name}; ${r2}`);
    return;
  }
  const applied = changeRole(
    ctx,
    email,
    "owner",
    "admin",
    `not declared in ${ctx.name}; ${r2}: demoted to admin first`,
  );
  const autoProvisioned = ctx.member(email)?.autoProvisioned === true;
  undeclaredMember(ctx, email, "admin", autoProvisioned, {
    note: `after the demotion from owner`,
    inDirectory: ctx.inDirectory(email),
    ...optional(applied ? undefined : `waiting for ${email}'s demotion from owner`),
  });
}

function optional(waitingFor: string | undefined): { waitingFor?: string } {
  return waitingFor === undefined ? {} : { waitingFor };
}
