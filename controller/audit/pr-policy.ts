import type { DesiredState, Role } from "../model/index.js";
import { can } from "../model/index.js";
import type { ChangeKind, MemberGrant, MembershipState } from "./membership-diff.js";
import { diffMemberships, membershipFromDesired } from "./membership-diff.js";
import type { PolicyRule, Requirement } from "./pr-requirements.js";
import { grantAllows, requirementFor } from "./pr-requirements.js";

export type { PolicyRule } from "./pr-requirements.js";

/**
 * What a pull request changes, as the policy judges it: the membership changes of
 * membership-diff, plus a `github:` login change (it moves authority for later PRs) and an
 * organization appearing or disappearing.
 */
export type PolicyChangeKind =
  | ChangeKind
  | "githubChanged"
  | "organizationCreated"
  | "organizationRemoved";

export interface PolicyChange {
  org: string;
  email: string;
  change: PolicyChangeKind;
  /** Roles; for `githubChanged` the old and new logins. null where there is none. */
  from: string | null;
  to: string | null;
  rule: PolicyRule;
  /** The login (author or approver) whose role at base satisfies the rule. */
  satisfiedBy?: string;
  /** What the change still needs; present exactly when the change is denied. */
  missing?: string;
}

/** Something reviewers should see that denies nothing (a new organization, an ambiguous login). */
export interface PolicyNote {
  org: string;
  email?: string;
  message: string;
}

export interface PolicyDecision {
  allowed: boolean;
  changes: PolicyChange[];
  notes: PolicyNote[];
}

export interface PullRequestPeople {
  /** GitHub login of the PR author. */
  author: string;
  /** GitHub logins of the approvals that count (latest review per reviewer, at the head SHA). */
  approvers: readonly string[];
}

type Declared = DesiredState | MembershipState;

/** Who a login is in one organization at base; `ambiguous` when two members declare it. */
type Identity = { email: string; role: Role } | "ambiguous";

interface OrgAuthority {
  byLogin: Map<string, Identity>;
  owner?: { email: string; github?: string };
}

interface Participant {
  login: string;
  key: string;
}

const KIND_ORDER: Record<PolicyChangeKind, number> = {
  organizationRemoved: 0,
  organizationCreated: 1,
  ownershipTransferred: 2,
  granted: 3,
  roleChanged: 4,
  githubChanged: 5,
  revoked: 6,
};

/**
 * The organization's own rules applied to a pull request. Authority is read at base only: a
 * login is a member through `spec.github` as declared at base, with the role it has there, so
 * a PR can grant itself nothing. Every change needs, among the author and the approvers:
 * - R3: an admin or the owner (grants as member, demotions, removals);
 * - R4: the owner for a new admin — a promotion, or a grant with role admin (stricter than the
 *   Portal's invite form on purpose: otherwise remove-then-re-add would bypass R4);
 * - R5: the current owner for an ownership transfer and for the old owner's new role;
 * - org-owner: the owner to remove a whole Organization;
 * - identity: a `github:` change needs what granting that member's role needs;
 * - org-create: nothing — nobody holds a role in a new organization at base (flagged in notes).
 * Nobody approves their own elevation: the member a change raises (by email, or by their
 * `github:` login at base or head) never counts for that change.
 */
export function decidePullRequest(
  base: Declared,
  head: Declared,
  people: PullRequestPeople,
): PolicyDecision {
  const before = asMembership(base);
  const after = asMembership(head);
  const participants = participantsOf(people);
  const notes: PolicyNote[] = [];
  const authority = new Map<string, OrgAuthority>();
  for (const [org, members] of before) authority.set(org, authorityOf(org, members, notes));

  const changes: PolicyChange[] = [];
  const judge = (
    org: string,
    email: string,
    change: PolicyChangeKind,
    from: string | null,
    to: string | null,
    requirement: Requirement,
  ): void => {
    const targets = targetLogins(
      before.get(org)?.get(email),
      after.get(org)?.get(email),
      change,
      to,
    );
    changes.push({
      org,
      email,
      change,
      from,
      to,
      rule: requirement.rule,
      ...verdict(org, email, requirement, targets, participants, authority.get(org)),
    });
  };

  for (const c of diffMemberships(before, after)) {
    const created = !before.has(c.org);
    const removed = !after.has(c.org);
    if (created) {
      const kind = c.to === "owner" ? "organizationCreated" : c.change;
      judge(c.org, c.email, kind, c.from, c.to, { rule: "org-create", elevates: false });
      if (c.to === "owner") {
        notes.push({
          org: c.org,
          email: c.email,
          message:
            `organization ${c.org} is new: nobody holds a role in it at base, so no approval is ` +
            `required by its rules; check that ${c.email} should own it`,
        });
      }
    } else if (removed) {
      const kind = c.from === "owner" ? "organizationRemoved" : c.change;
      judge(c.org, c.email, kind, c.from, c.to, {
        rule: "org-owner",
        allows: (r) => can(r, "delete-organization"),
        elevates: false,
      });
    } else {
      judge(c.org, c.email, c.change, c.from, c.to, requirementFor(c.change, c.from, c.to));
    }
  }
  for (const [org, members] of after) {
    const was = before.get(org);
    if (!was) continue;
    for (const [email, grant] of members) {
      const prior = was.get(email);
      if (!prior || sameLogin(prior.github, grant.github)) continue;
      judge(org, email, "githubChanged", prior.github ?? null, grant.github ?? null, {
        rule: "identity",
        allows: grantAllows(grant.role),
        elevates: grant.github !== undefined,
      });
    }
  }

  changes.sort(
    (a, b) =>
      compare(a.org, b.org) ||
      KIND_ORDER[a.change] - KIND_ORDER[b.change] ||
      compare(a.email, b.email),
  );
  return { allowed: changes.every((c) => c.missing === undefined), changes, notes };
}

function asMembership(declared: Declared): MembershipState {
  return declared instanceof Map ? declared : membershipFromDesired(declared);
}

/** The author first, then each approver once; logins compare case-insensitively (GitHub does). */
function participantsOf(people: PullRequestPeople): Participant[] {
  const seen = new Set<string>();
  const out: Participant[] = [];
  for (const login of [people.author, ...people.approvers]) {
    const key = login.trim().toLowerCase();
    if (key === "" || seen.has(key)) continue;
    seen.add(key);
    out.push({ login: login.trim(), key });
  }
  return out;
}

function authorityOf(
  org: string,
  members: Map<string, MemberGrant>,
  notes: PolicyNote[],
): OrgAuthority {
  const byLogin = new Map<string, Identity>();
  let owner: OrgAuthority["owner"];
  for (const [email, grant] of members) {
    if (grant.role === "owner")
      owner = { email, ...(grant.github ? { github: grant.github } : {}) };
    if (grant.github === undefined) continue;
    const key = grant.github.toLowerCase();
    if (byLogin.has(key)) {
      // Two members claim one login: neither role can be trusted for it.
      if (byLogin.get(key) !== "ambiguous") {
        notes.push({
          org,
          message: `GitHub login ${grant.github} is declared by several members of ${org} at base: it counts as nobody there`,
        });
      }
      byLogin.set(key, "ambiguous");
    } else byLogin.set(key, { email, role: grant.role });
  }
  return { byLogin, ...(owner ? { owner } : {}) };
}

/** The logins that are the change's target: never counted for the target's own elevation. */
function targetLogins(
  before: MemberGrant | undefined,
  after: MemberGrant | undefined,
  change: PolicyChangeKind,
  to: string | null,
): Set<string> {
  const logins = [before?.github, after?.github, change === "githubChanged" ? to : undefined];
  return new Set(
    logins.filter((l): l is string => typeof l === "string").map((l) => l.toLowerCase()),
  );
}

function verdict(
  org: string,
  email: string,
  requirement: Requirement,
  targets: Set<string>,
  participants: Participant[],
  authority: OrgAuthority | undefined,
): Pick<PolicyChange, "satisfiedBy" | "missing"> {
  const { allows } = requirement;
  if (allows === undefined) return {};
  const excluded: string[] = [];
  for (const p of participants) {
    const identity = authority?.byLogin.get(p.key);
    const self =
      requirement.elevates &&
      (targets.has(p.key) || (typeof identity === "object" && identity.email === email));
    if (self) {
      excluded.push(p.login);
      continue;
    }
    if (typeof identity === "object" && allows(identity.role)) return { satisfiedBy: p.login };
  }
  return { missing: missingText(org, allows, excluded, authority) };
}

function missingText(
  org: string,
  allows: (role: Role) => boolean,
  excluded: string[],
  authority: OrgAuthority | undefined,
): string {
  const adminSuffices = allows("admin");
  const who = adminSuffices ? `an admin or the owner of ${org}` : `the owner of ${org}`;
  let text = `${who} among the author and approvers`;
  if (excluded.length > 0) {
    text += `; ${excluded.join(", ")} may not approve their own elevation`;
  }
  const owner = authority?.owner;
  if (!adminSuffices && owner) {
    text += owner.github
      ? `; the owner is ${owner.email} (GitHub ${owner.github})`
      : `; the owner ${owner.email} has no spec.github at base: declare it in a pull request of its own first`;
  }
  return text;
}

function sameLogin(a: string | undefined, b: string | undefined): boolean {
  return (a ?? "").toLowerCase() === (b ?? "").toLowerCase();
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
