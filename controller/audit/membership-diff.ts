import type { DesiredState, Role } from "../model/index.js";

/** What one member holds in one organization. */
export interface MemberGrant {
  role: Role;
  github?: string;
  /** `spec.expiresAt` (UTC ISO): access ends at this instant although Git still declares it. */
  expiresAt?: string;
}

/** org → email (normalised) → grant. */
export type MembershipState = Map<string, Map<string, MemberGrant>>;

export type ChangeKind = "granted" | "roleChanged" | "ownershipTransferred" | "revoked";

/** What `roster history` reports: Git's changes, and `expired` at a declared expiry's instant. */
export type HistoryChangeKind = ChangeKind | "expired";

export interface MembershipChange {
  org: string;
  email: string;
  change: ChangeKind;
  /** The role before; null for a grant (or a transfer to someone who was not a member). */
  from: Role | null;
  /** The role after; null for a revocation. */
  to: Role | null;
}

export function membershipFromDesired(state: DesiredState): MembershipState {
  const out: MembershipState = new Map();
  for (const org of state.organizations) {
    const members = new Map<string, MemberGrant>();
    for (const m of org.members) {
      const grant: MemberGrant = { role: m.role };
      if (m.github !== undefined) grant.github = m.github;
      if (m.expiresAt !== undefined) grant.expiresAt = m.expiresAt;
      members.set(m.email, grant);
    }
    out.set(org.name, members);
  }
  return out;
}

// Within an organization: the transfer first (it explains the old owner's demotion), then grants,
// role changes and revocations, each by email.
const KIND_ORDER: Record<ChangeKind, number> = {
  ownershipTransferred: 0,
  granted: 1,
  roleChanged: 2,
  revoked: 3,
};

/**
 * Every membership change from `before` to `after`, sorted by org, kind, email. Becoming the
 * owner of an organization that already had another owner is `ownershipTransferred` (R5); the
 * old owner's new role shows as its own `roleChanged` (or `revoked`). The first owner of a new
 * organization is simply `granted`. A change of `github` login alone is not a membership change.
 */
export function diffMemberships(
  before: MembershipState,
  after: MembershipState,
): MembershipChange[] {
  const changes: MembershipChange[] = [];
  const orgs = new Set([...before.keys(), ...after.keys()]);
  for (const org of orgs) {
    const was = before.get(org) ?? new Map<string, MemberGrant>();
    const now = after.get(org) ?? new Map<string, MemberGrant>();
    const oldOwner = ownerOf(was);
    for (const [email, grant] of now) {
      const prior = was.get(email);
      if (grant.role === "owner" && oldOwner !== undefined && oldOwner !== email) {
        changes.push({
          org,
          email,
          change: "ownershipTransferred",
          from: prior?.role ?? null,
          to: "owner",
        });
      } else if (!prior) {
        changes.push({ org, email, change: "granted", from: null, to: grant.role });
      } else if (prior.role !== grant.role) {
        changes.push({ org, email, change: "roleChanged", from: prior.role, to: grant.role });
      }
    }
    for (const [email, grant] of was) {
      if (!now.has(email))
        changes.push({ org, email, change: "revoked", from: grant.role, to: null });
    }
  }
  return changes.sort(
    (a, b) =>
      compare(a.org, b.org) ||
      KIND_ORDER[a.change] - KIND_ORDER[b.change] ||
      compare(a.email, b.email),
  );
}

function ownerOf(members: Map<string, MemberGrant>): string | undefined {
  for (const [email, grant] of members) if (grant.role === "owner") return email;
  return undefined;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
