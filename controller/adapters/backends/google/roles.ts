import type { Role } from "../../../model/index.js";

/** The Directory API's group member roles (FACTS: OWNER, MANAGER, MEMBER). */
export type GoogleRole = "OWNER" | "MANAGER" | "MEMBER";

/**
 * owner → OWNER, admin → MANAGER, member → MEMBER. A MANAGER can do everything an OWNER can
 * except make owners or delete the group: the nearest match to R4/R5. Google allows several
 * OWNERs; keeping exactly one (R2) is Roster's job, not Google's.
 */
const TO_GOOGLE: Record<Role, GoogleRole> = { owner: "OWNER", admin: "MANAGER", member: "MEMBER" };
const FROM_GOOGLE: Record<GoogleRole, Role> = {
  OWNER: "owner",
  MANAGER: "admin",
  MEMBER: "member",
};

export function toGoogleRole(role: Role): GoogleRole {
  return TO_GOOGLE[role];
}

/** Google omits `role` for plain members; undefined for a role it may add later (reported, not guessed). */
export function fromGoogleRole(role: string | null | undefined): Role | undefined {
  const upper = (role ?? "MEMBER").toUpperCase();
  return upper in FROM_GOOGLE ? FROM_GOOGLE[upper as GoogleRole] : undefined;
}
