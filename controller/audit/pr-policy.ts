import type { DesiredState, PolicyRule } from "../model/index.js";
import { adminSuffices, allows } from "../model/index.js";
import type { ChangeKind, MemberGrant, MembershipState } from "./membership-diff.js";
import { diffMemberships, membershipFromDesired } from "./membership-diff.js";
import type { Requirement } from "./pr-requirements.js";
import { expiryRequirement, requirementFor, ruleFor } from "./pr-requirements.js";
import { reviewDiffs, reviewsOf } from "./pr-reviews.js";
import type { DeclaredSettings } from "./pr-settings.js";
import { settingDiffs } from "./pr-settings.js";
import type { OrgAuthority, Participant } from "./pr-authority.js";
import { authorityOf, founderOf, participantsOf } from "./pr-authority.js";

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
  | "organizationRemoved"
  | "settingChanged"
  | "expiryChanged"
  | "reviewAdded"
  | "reviewChanged"
  | "reviewRemoved";

export interface PolicyChange {
  org: string;
  /** The member concerned; empty for a `settingChanged` or an AccessReview's change. */
  email: string;
  /** For `settingChanged`: the Organization field; for an AccessReview's change: its name. */
  field?: string;
  change: PolicyChangeKind;
  /**
   * Roles; for `githubChanged` the old and new logins; for `settingChanged` the values; for
   * `expiryChanged` the dates; for an AccessReview's change its reviewer.
   */
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

/**
 * An organization the PR declares that base does not, but that exists all the same: in the
 * backend (`--backend`) or at an earlier commit. Its members there hold its authority.
 */
export interface PriorOrganization {
  members: Map<string, MemberGrant>;
  settings?: DeclaredSettings;
  /** Where it was found, for the note: "the backend", "commit 1a2b3c4d5e6f". */
  where: string;
}

export interface DecideOptions {
  prior?: ReadonlyMap<string, PriorOrganization>;
}

const KIND_ORDER: Record<PolicyChangeKind, number> = {
  organizationRemoved: 0,
  organizationCreated: 1,
  settingChanged: 2,
  ownershipTransferred: 2,
  granted: 3,
  roleChanged: 4,
  githubChanged: 5,
  expiryChanged: 5,
  revoked: 6,
  reviewAdded: 7,
  reviewChanged: 7,
  reviewRemoved: 7,
};

/**
 * The organization's own rules applied to a pull request. Authority is read at base only: a
 * login is a member through `spec.github` as declared at base, with the role it has there, so
 * a PR can grant itself nothing. Every change is put to the policy (model/policy.ts) with the
 * role at base of each participant (author and approvers) until one satisfies it:
 * - members: a grant is an invitation with that role (R3, R4 for admin), a role change R3/R4/R5,
 *   a removal R3, a new owner or the old owner's removal R5, a `github:` login what granting that
 *   member's role needs;
 * - Organization fields: each changed field by its rule (owner-settings, admin-settings, R4 for
 *   auto-provisioning as admin); removing an Organization needs its owner (org-delete);
 * - a new Organization needs its declared owner (org-create) — unless it exists already, in the
 *   backend or at an earlier commit (`options.prior`): then it is judged against its members
 *   there, so declaring it anew takes nothing over.
 * Nobody approves their own elevation: the member a change raises (by email, or by their
 * `github:` login at base or head) never counts for that change.
 */
export function decidePullRequest(
  base: Declared,
  head: Declared,
  people: PullRequestPeople,
  options: DecideOptions = {},
): PolicyDecision {
  const before = new Map(asMembership(base));
  const after = asMembership(head);
  const beforeSettings = settingsOf(base);
  const afterSettings = settingsOf(head);
  const beforeReviews = reviewsOf(base);
  const afterReviews = reviewsOf(head);
  const participants = participantsOf(people);
  const notes: PolicyNote[] = [];
  for (const [org, prior] of options.prior ?? []) {
    if (before.has(org) || !after.has(org)) continue;
    before.set(org, prior.members);
    if (prior.settings) beforeSettings.set(org, prior.settings);
    notes.push({
      org,
      message: `organization ${org} is not declared at base but exists in ${prior.where}: it is judged against its members there`,
    });
  }
  const authority = new Map<string, OrgAuthority>();
  for (const [org, members] of before) authority.set(org, authorityOf(org, members, notes));
  for (const [org, members] of after) {
    if (!before.has(org)) authority.set(org, founderOf(members));
  }

  const changes: PolicyChange[] = [];
  const judge = (
    c: Omit<PolicyChange, "rule" | "satisfiedBy" | "missing">,
    requirement: Requirement,
  ): void => {
    const targets = targetLogins(
      before.get(c.org)?.get(c.email),
      after.get(c.org)?.get(c.email),
      c.change,
      c.to,
    );
    changes.push({
      ...c,
      rule: ruleFor(requirement),
      ...verdict(c.org, c.email, requirement, targets, participants, authority.get(c.org)),
    });
  };

  for (const c of diffMemberships(before, after)) {
    const base = { org: c.org, email: c.email, from: c.from, to: c.to };
    if (!before.has(c.org)) {
      const owner = authority.get(c.org)?.owner?.email ?? "";
      const change = c.to === "owner" ? "organizationCreated" : c.change;
      judge(
        { ...base, change },
        { change: { kind: "createOrganization", owner }, elevates: false },
      );
      if (c.to === "owner") {
        notes.push({
          org: c.org,
          email: c.email,
          message: `organization ${c.org} is new: its declared owner ${c.email} creates it and must be among the author and approvers`,
        });
      }
    } else if (!after.has(c.org)) {
      const change = c.from === "owner" ? "organizationRemoved" : c.change;
      judge({ ...base, change }, { change: { kind: "deleteOrganization" }, elevates: false });
    } else {
      judge({ ...base, change: c.change }, requirementFor(c.change, c.from, c.to));
    }
  }
  for (const [org, members] of after) {
    const was = before.get(org);
    if (!was) continue;
    for (const [email, grant] of members) {
      const prior = was.get(email);
      if (prior && prior.expiresAt !== grant.expiresAt) {
        judge(
          {
            org,
            email,
            change: "expiryChanged",
            from: prior.expiresAt ?? null,
            to: grant.expiresAt ?? null,
          },
          expiryRequirement(grant.role, prior.expiresAt, grant.expiresAt),
        );
      }
      if (!prior || sameLogin(prior.github, grant.github)) continue;
      judge(
        {
          org,
          email,
          change: "githubChanged",
          from: prior.github ?? null,
          to: grant.github ?? null,
        },
        {
          change: { kind: "linkIdentity", role: grant.role },
          elevates: grant.github !== undefined,
        },
      );
    }
    const wasSettings = beforeSettings.get(org);
    const nowSettings = afterSettings.get(org);
    if (!wasSettings || !nowSettings) continue;
    for (const d of settingDiffs(wasSettings, nowSettings)) {
      judge(
        { org, email: "", field: d.field, change: "settingChanged", from: d.from, to: d.to },
        { change: d.change, elevates: false },
      );
    }
  }

  // An AccessReview is evidence: its reviewer signs it by authoring or approving the PR.
  for (const org of after.keys()) {
    for (const d of reviewDiffs(beforeReviews.get(org), afterReviews.get(org))) {
      judge(
        { org, email: "", field: d.name, change: d.change, from: d.from, to: d.to },
        { change: d.policy, elevates: false },
      );
    }
  }

  changes.sort(
    (a, b) =>
      compare(a.org, b.org) ||
      KIND_ORDER[a.change] - KIND_ORDER[b.change] ||
      compare(a.email, b.email) ||
      compare(a.field ?? "", b.field ?? ""),
  );
  return { allowed: changes.every((c) => c.missing === undefined), changes, notes };
}

function settingsOf(declared: Declared): Map<string, DeclaredSettings> {
  if (declared instanceof Map) return new Map();
  return new Map(
    declared.organizations.map((o) => [
      o.name,
      {
        settings: o.settings,
        policy: o.policy,
        ...(o.lifecycle ? { lifecycle: o.lifecycle } : {}),
      },
    ]),
  );
}

function asMembership(declared: Declared): MembershipState {
  return declared instanceof Map ? declared : membershipFromDesired(declared);
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
    if (
      typeof identity === "object" &&
      allows({ role: identity.role, identity: identity.email }, requirement.change)
    ) {
      return { satisfiedBy: p.login };
    }
  }
  return { missing: missingText(org, requirement, excluded, authority) };
}

function missingText(
  org: string,
  requirement: Requirement,
  excluded: string[],
  authority: OrgAuthority | undefined,
): string {
  const owner = authority?.owner;
  if (requirement.change.kind === "createOrganization") {
    const who = owner?.github
      ? `${owner.email} (GitHub ${owner.github})`
      : `${owner?.email ?? "(none)"}, who has no spec.github to be recognised by`;
    return `the declared owner of ${org} among the author and approvers: ${who}`;
  }
  if (requirement.change.kind === "signReview") {
    return `the reviewer ${requirement.change.reviewer}, as an admin or the owner of ${org} at base, among the author and approvers`;
  }
  const admin = adminSuffices(requirement.change);
  const who = admin ? `an admin or the owner of ${org}` : `the owner of ${org}`;
  let text = `${who} among the author and approvers`;
  if (excluded.length > 0) {
    text += `; ${excluded.join(", ")} may not approve their own elevation`;
  }
  if (!admin && owner) {
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
