import type { PolicyChange } from "./policy.js";
import type { OrgPolicy, OrgSettings } from "./resources.js";

/** The settings the identity backend stores, by their OrgSettings name. */
export type SettingName = keyof OrgSettings;

/** The policy's change for one backend setting, judged by its value in `after`. */
export function settingChange(name: SettingName, after: OrgSettings): PolicyChange {
  switch (name) {
    case "displayName":
      return { kind: "updateField", field: "displayName" };
    case "domains":
      return { kind: "updateField", field: "domains" };
    case "inviteExpirySeconds":
      return { kind: "updateField", field: "invitations.expireAfter" };
    case "autoProvisioning":
      return { kind: "autoProvisioning", ...after.autoProvisioning };
  }
}

/** Names of the backend settings that differ; domains compare as case-insensitive sets. */
export function changedSettings(after: OrgSettings, before: OrgSettings): SettingName[] {
  const changed: SettingName[] = [];
  if (after.displayName !== before.displayName) changed.push("displayName");
  if (!sameDomains(after.domains, before.domains)) changed.push("domains");
  if (
    after.autoProvisioning.enabled !== before.autoProvisioning.enabled ||
    after.autoProvisioning.role !== before.autoProvisioning.role
  ) {
    changed.push("autoProvisioning");
  }
  if (after.inviteExpirySeconds !== before.inviteExpirySeconds) changed.push("inviteExpirySeconds");
  return changed;
}

function sameDomains(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a.map((d) => d.toLowerCase()));
  const right = new Set(b.map((d) => d.toLowerCase()));
  if (left.size !== right.size) return false;
  for (const d of left) if (!right.has(d)) return false;
  return true;
}

/** Every change from `before` to `after` of an Organization, backend settings and Roster's own. */
export function organizationChanges(
  before: { settings: OrgSettings; policy?: OrgPolicy },
  after: { settings: OrgSettings; policy?: OrgPolicy },
): PolicyChange[] {
  const changes = changedSettings(after.settings, before.settings).map((name) =>
    settingChange(name, after.settings),
  );
  if (before.policy && after.policy) {
    const a = before.policy;
    const b = after.policy;
    if (a.allowExternal !== b.allowExternal) {
      changes.push({ kind: "updateField", field: "allowExternal" });
    }
    if (a.unmanaged !== b.unmanaged) changes.push({ kind: "updateField", field: "unmanaged" });
    if (a.maxRemovals.kind !== b.maxRemovals.kind || a.maxRemovals.value !== b.maxRemovals.value) {
      changes.push({ kind: "updateField", field: "safety" });
    }
    if (a.deletionPolicy !== b.deletionPolicy) {
      changes.push({ kind: "updateField", field: "deletionPolicy" });
    }
  }
  return changes;
}
