/** R1: the roles are exactly these three, ordered from least to most authority. */
export const ROLES = ["member", "admin", "owner"] as const;
export type Role = (typeof ROLES)[number];

/** R7: an invitation carries admin or member, never owner (ownership moves only by transfer, R5). */
export const INVITABLE_ROLES = ["admin", "member"] as const;
export type InvitableRole = (typeof INVITABLE_ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

export function isInvitableRole(value: unknown): value is InvitableRole {
  return typeof value === "string" && (INVITABLE_ROLES as readonly string[]).includes(value);
}

/** Higher rank means more authority: member 0, admin 1, owner 2. */
export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

export function isPromotion(from: Role, to: Role): boolean {
  return roleRank(to) > roleRank(from);
}
