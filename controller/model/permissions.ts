import type { Role } from "./role.js";

/**
 * R9: the seed's "Role Permissions" table, verbatim, as the single source of truth.
 * The Portal store's authorization, the pull-request check and `roster permissions` all read it.
 */
export const PERMISSIONS = [
  {
    id: "use-chat",
    label: "Use chat, assistants, engines",
    owner: true,
    admin: true,
    member: true,
  },
  {
    id: "manage-skills",
    label: "Create and manage skills",
    owner: true,
    admin: true,
    member: true,
  },
  { id: "view-own-usage", label: "View own usage", owner: true, admin: true, member: true },
  { id: "view-team-usage", label: "View team usage", owner: true, admin: true, member: false },
  {
    id: "invite-remove-users",
    label: "Invite and remove users",
    owner: true,
    admin: true,
    member: false,
  },
  {
    id: "configure-gateway",
    label: "Configure gateway routing",
    owner: true,
    admin: true,
    member: false,
  },
  { id: "manage-dlp", label: "Manage DLP policies", owner: true, admin: true, member: false },
  { id: "view-audit-logs", label: "View audit logs", owner: true, admin: true, member: false },
  { id: "create-api-keys", label: "Create API keys", owner: true, admin: true, member: false },
  { id: "manage-billing", label: "Manage billing", owner: true, admin: false, member: false },
  {
    id: "delete-organization",
    label: "Delete organization",
    owner: true,
    admin: false,
    member: false,
  },
  {
    id: "transfer-ownership",
    label: "Transfer ownership",
    owner: true,
    admin: false,
    member: false,
  },
] as const satisfies readonly ({ id: string; label: string } & Record<Role, boolean>)[];

export type Permission = (typeof PERMISSIONS)[number]["id"];

const BY_ID = new Map<string, (typeof PERMISSIONS)[number]>(PERMISSIONS.map((p) => [p.id, p]));

export function isPermission(value: string): value is Permission {
  return BY_ID.has(value);
}

export function can(role: Role, permission: Permission): boolean {
  const row = BY_ID.get(permission);
  if (!row) throw new Error(`unknown permission ${permission}`);
  return row[role];
}
