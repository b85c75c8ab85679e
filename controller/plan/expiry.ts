import type { DesiredMember, DesiredOrganization, DesiredState } from "../model/index.js";
import { DEFAULT_EXPIRY_WARN_SECONDS, formatDuration } from "../model/index.js";
import type { PlanBuilder } from "./builder.js";
import type { OrgContext } from "./org-context.js";
import type { ExpiryStep, Plan } from "./types.js";
import { isExpiryStep } from "./types.js";

/** True when `member` declares an expiry at or before `now` (access ends AT the instant). */
export function isExpired(member: DesiredMember, now: number | undefined): boolean {
  return now !== undefined && member.expiresAt !== undefined && Date.parse(member.expiresAt) <= now;
}

/** The organization without its expired members: what is invited when it is created. */
export function withoutExpired(
  org: DesiredOrganization,
  now: number | undefined,
): DesiredOrganization {
  if (now === undefined || !org.members.some((m) => isExpired(m, now))) return org;
  return { ...org, members: org.members.filter((m) => !isExpired(m, now)) };
}

/**
 * Revokes every expired declared member: `remove` while active, `cancelInvite` while invited,
 * nothing when neither (an expired member is never invited). Returns the emails decided here,
 * which the member diff then leaves alone. The owner is never revoked this way (load refuses an
 * owner's expiry; R2), nor is an active owner while ownership moves: that is the transfer's job.
 */
export function planExpirations(ctx: OrgContext, now: number | undefined): Set<string> {
  const handled = new Set<string>();
  if (now === undefined) return handled;
  for (const m of ctx.desired) {
    if (m.role === "owner" || !isExpired(m, now) || ctx.actualOwners.includes(m.email)) continue;
    handled.add(m.email);
    const expiresAt = m.expiresAt as string;
    const why = `spec.expiresAt ${expiresAt} has passed: time-bound access to ${ctx.name} ended`;
    const member = ctx.member(m.email);
    const invitation = ctx.invitation(m.email);
    if (member !== undefined) {
      ctx.out.propose({
        action: "remove",
        org: ctx.name,
        email: m.email,
        role: member.role,
        reason: `${why} (expired)`,
        expiresAt,
      });
    } else if (invitation !== undefined) {
      ctx.out.propose({
        action: "cancelInvite",
        org: ctx.name,
        email: m.email,
        role: invitation.role,
        reason: `${why} before the invitation was accepted (expired)`,
        expiresAt,
      });
    }
  }
  return handled;
}

/** Members whose access ends within the organization's `spec.expiry.warnBefore` (default 7d). */
export function warnExpiringSoon(
  org: DesiredOrganization,
  now: number | undefined,
  out: PlanBuilder,
): void {
  if (now === undefined) return;
  const window = (org.lifecycle?.expiryWarnBeforeSeconds ?? DEFAULT_EXPIRY_WARN_SECONDS) * 1000;
  for (const m of org.members) {
    if (m.expiresAt === undefined) continue;
    const left = Date.parse(m.expiresAt) - now;
    if (left <= 0 || left > window) continue;
    out.warn({
      org: org.name,
      email: m.email,
      code: "expiring-soon",
      message: `${m.email} (${m.role}) loses access to ${org.name} at ${m.expiresAt}, in ${roughly(left)}`,
    });
  }
}

function roughly(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  const unit = seconds >= 86400 ? 86400 : seconds >= 3600 ? 3600 : seconds >= 60 ? 60 : 1;
  return formatDuration(Math.ceil(seconds / unit) * unit);
}

/** The earliest declared expiry after `now`: when the controller must run its next pass. */
export function nextExpiry(desired: DesiredState, now: number): string | undefined {
  let next: number | undefined;
  for (const org of desired.organizations) {
    for (const m of org.members) {
      if (m.expiresAt === undefined || m.role === "owner") continue;
      const at = Date.parse(m.expiresAt);
      if (at > now && (next === undefined || at < next)) next = at;
    }
  }
  return next === undefined ? undefined : new Date(next).toISOString();
}

/** The revocations a plan makes because a declared expiry passed: listed apart by renderers. */
export function expirations(plan: Pick<Plan, "steps">): ExpiryStep[] {
  return plan.steps.filter(isExpiryStep);
}
