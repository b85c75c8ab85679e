import type {
  DesiredAccessReview,
  DesiredMember,
  DesiredOrganization,
  MaxRemovals,
  OrgLifecycle,
  OrgPolicy,
  OrgSettings,
  Role,
} from "../model/index.js";
import {
  defaultOrgPolicy,
  defaultOrgSettings,
  DEFAULT_EXPIRY_WARN_SECONDS,
  isInvitableRole,
  normalizeEmail,
  parseDuration,
  parseTimestamp,
} from "../model/index.js";
import type { OrganizationSpec } from "../schema/index.js";
import type { ParsedResource } from "./parsed-resource.js";

/**
 * Settings and policy from a validated Organization spec. The fallbacks repeat the schema's
 * defaults so that resources built from Kubernetes objects (which the API server defaults, or
 * not, depending on its version) read the same as files.
 */
export function orgSettings(org: ParsedResource): OrgSettings {
  const spec = org.spec as Partial<OrganizationSpec>;
  const defaults = defaultOrgSettings(org.name);
  const role = spec.autoProvisioning?.role;
  return {
    displayName: spec.displayName ?? defaults.displayName,
    domains: [...new Set((spec.domains ?? []).map((d) => d.trim().toLowerCase()))].sort(),
    autoProvisioning: {
      enabled: spec.autoProvisioning?.enabled ?? defaults.autoProvisioning.enabled,
      role: isInvitableRole(role) ? role : defaults.autoProvisioning.role,
    },
    inviteExpirySeconds:
      parseDuration(spec.invitations?.expireAfter ?? "") ?? defaults.inviteExpirySeconds,
  };
}

export function orgPolicy(org: ParsedResource): OrgPolicy {
  const spec = org.spec as Partial<OrganizationSpec>;
  const defaults = defaultOrgPolicy();
  return {
    allowExternal: spec.allowExternal ?? defaults.allowExternal,
    unmanaged: spec.unmanaged ?? defaults.unmanaged,
    maxRemovals: parseMaxRemovals(spec.safety?.maxRemovals) ?? defaults.maxRemovals,
    deletionPolicy: spec.deletionPolicy ?? defaults.deletionPolicy,
  };
}

/** `10` → a count; `"10%"` → a share of the active members. */
export function parseMaxRemovals(value: unknown): MaxRemovals | undefined {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) {
    return { kind: "count", value };
  }
  if (typeof value === "string") {
    const match = /^(\d{1,3})%$/.exec(value.trim());
    const percent = match ? Number(match[1]) : NaN;
    if (percent >= 0 && percent <= 100) return { kind: "percent", value: percent };
  }
  return undefined;
}

export function desiredMember(member: ParsedResource): DesiredMember {
  const spec = member.spec as { email: string; role: Role; github?: string; expiresAt?: string };
  const out: DesiredMember = {
    name: member.name,
    email: normalizeEmail(spec.email),
    role: spec.role,
    source: { file: member.file, line: member.line, col: member.col },
  };
  if (spec.github) out.github = spec.github;
  const expires = memberExpiry(member);
  if (expires !== undefined) out.expiresAt = new Date(expires).toISOString();
  return out;
}

/** Epoch ms of a Member's `spec.expiresAt`, when it declares a valid one. */
export function memberExpiry(member: ParsedResource): number | undefined {
  const text = (member.spec as { expiresAt?: unknown }).expiresAt;
  return typeof text === "string" ? parseTimestamp(text) : undefined;
}

/** `spec.expiry` and `spec.reviews`; undefined when the Organization declares neither. */
export function orgLifecycle(org: ParsedResource): OrgLifecycle | undefined {
  const spec = org.spec as Partial<OrganizationSpec>;
  if (spec.expiry === undefined && spec.reviews === undefined) return undefined;
  const out: OrgLifecycle = {
    expiryWarnBeforeSeconds:
      parseDuration(spec.expiry?.warnBefore ?? "") ?? DEFAULT_EXPIRY_WARN_SECONDS,
  };
  const every = parseDuration(spec.reviews?.every ?? "");
  if (every !== undefined && every > 0) out.reviewEverySeconds = every;
  return out;
}

function lifecycleOf(org: ParsedResource): { lifecycle?: OrgLifecycle } {
  const lifecycle = orgLifecycle(org);
  return lifecycle === undefined ? {} : { lifecycle };
}

export function desiredAccessReview(review: ParsedResource): DesiredAccessReview {
  const spec = review.spec as {
    reviewer: string;
    reviewedAt: string;
    scope?: string;
    notes?: string;
  };
  const out: DesiredAccessReview = {
    name: review.name,
    reviewer: normalizeEmail(spec.reviewer),
    reviewedAt: new Date(parseTimestamp(spec.reviewedAt) ?? 0).toISOString(),
    source: { file: review.file, line: review.line, col: review.col },
  };
  if (spec.scope !== undefined) out.scope = spec.scope;
  if (spec.notes !== undefined) out.notes = spec.notes;
  return out;
}

export function desiredOrganization(
  org: ParsedResource,
  members: DesiredMember[],
  reviews?: DesiredAccessReview[],
): DesiredOrganization {
  return {
    name: org.name,
    settings: orgSettings(org),
    policy: orgPolicy(org),
    members: members.sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0)),
    ...lifecycleOf(org),
    ...(reviews && reviews.length > 0
      ? {
          // Two reviews at one instant: by name, so every source (file order, a cluster's
          // list order) agrees on which is the latest.
          reviews: [...reviews].sort(
            (a, b) =>
              Date.parse(a.reviewedAt) - Date.parse(b.reviewedAt) ||
              (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
          ),
        }
      : {}),
    source: { file: org.file, line: org.line, col: org.col },
  };
}
