import type {
  OrgLifecycle,
  OrgPolicy,
  OrgSettings,
  PolicyChange as Change,
} from "../model/index.js";
import {
  DEFAULT_EXPIRY_WARN_SECONDS,
  formatDuration,
  organizationChanges,
} from "../model/index.js";

/** An Organization as a pull request declares it: what its settings changes are judged on. */
export interface DeclaredSettings {
  settings: OrgSettings;
  policy?: OrgPolicy;
  /** `spec.reviews` and `spec.expiry`: Roster's own, judged in pull requests only. */
  lifecycle?: OrgLifecycle;
}

/** One changed Organization field, with its values as a reviewer reads them. */
export interface SettingDiff {
  field: string;
  from: string;
  to: string;
  change: Change;
}

/** Every changed field of an Organization, each as the policy's change (model/policy-changes). */
export function settingDiffs(before: DeclaredSettings, after: DeclaredSettings): SettingDiff[] {
  const diffs = organizationChanges(before, after).map((change) => {
    const field = fieldOf(change);
    return { field, from: valueOf(before, field), to: valueOf(after, field), change };
  });
  for (const field of ["reviews.every", "expiry.warnBefore"] as const) {
    const from = lifecycleValue(before.lifecycle, field);
    const to = lifecycleValue(after.lifecycle, field);
    if (from !== to) diffs.push({ field, from, to, change: { kind: "updateField", field } });
  }
  return diffs;
}

function lifecycleValue(
  lifecycle: OrgLifecycle | undefined,
  field: "reviews.every" | "expiry.warnBefore",
): string {
  if (field === "reviews.every") {
    const every = lifecycle?.reviewEverySeconds;
    return every === undefined ? "(none)" : formatDuration(every);
  }
  return formatDuration(lifecycle?.expiryWarnBeforeSeconds ?? DEFAULT_EXPIRY_WARN_SECONDS);
}

function fieldOf(change: Change): string {
  if (change.kind === "autoProvisioning") return "autoProvisioning";
  if (change.kind === "updateField") return change.field;
  return change.kind;
}

function valueOf(declared: DeclaredSettings, field: string): string {
  const { settings, policy } = declared;
  switch (field) {
    case "displayName":
      return settings.displayName;
    case "domains":
      return settings.domains.length > 0 ? [...settings.domains].sort().join(", ") : "(none)";
    case "autoProvisioning":
      return settings.autoProvisioning.enabled
        ? `enabled as ${settings.autoProvisioning.role}`
        : "disabled";
    case "invitations.expireAfter":
      return `${settings.inviteExpirySeconds}s`;
    case "allowExternal":
      return String(policy?.allowExternal);
    case "unmanaged":
      return String(policy?.unmanaged);
    case "safety":
      return policy
        ? `maxRemovals ${policy.maxRemovals.value}${policy.maxRemovals.kind === "percent" ? "%" : ""}`
        : "";
    case "deletionPolicy":
      return String(policy?.deletionPolicy);
    default:
      return "";
  }
}
