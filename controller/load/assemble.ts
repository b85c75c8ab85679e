import type { DesiredState, Issue } from "../model/index.js";
import { normalizeEmail } from "../model/index.js";
import { checkReviews } from "./access-review-checks.js";
import { desiredMember, desiredOrganization, orgPolicy, orgSettings } from "./build-state.js";
import type { Finding } from "./finding.js";
import { documentLocate, toIssues, where } from "./finding.js";
import type { OrgGroup } from "./member-findings.js";
import {
  duplicateLogin,
  duplicateMember,
  expiryFinding,
  externalMember,
  memberSpec,
  multipleOwners,
  noDomainsButClosed,
  noOwner,
  unknownOrganization,
} from "./member-findings.js";
import type { ParsedResource } from "./parsed-resource.js";

export interface CheckOptions {
  /** False when only the findings matter (`roster validate`): the state is not built. */
  build?: boolean;
  /** Organizations some rejected document referred to: no "no owner"/"unknown" guesses. */
  incomplete?: ReadonlySet<string>;
  /** Some document could not be read at all: skip every absence check. */
  unreadable?: boolean;
  /** The clock for "already expired" warnings; without it expiries are only checked on the owner. */
  now?: Date;
}

/** Duplicate names per kind: the second and later declarations are the errors. */
function checkNames(
  resources: readonly ParsedResource[],
  findings: Finding[],
): Map<string, ParsedResource> {
  const byKind = new Map<string, Map<string, ParsedResource>>();
  for (const r of resources) {
    let seen = byKind.get(r.kind);
    if (!seen) byKind.set(r.kind, (seen = new Map<string, ParsedResource>()));
    const first = seen.get(r.name);
    if (!first) {
      seen.set(r.name, r);
      continue;
    }
    findings.push({
      at: { resource: r, path: ["metadata", "name"] },
      rule: "duplicate-name",
      severity: "error",
      message: (locate) =>
        `${r.kind} "${r.name}" is declared twice; the first is at ${where(locate, { resource: first, path: ["metadata", "name"] })}`,
      hint: `give each ${r.kind} its own metadata.name, or delete one of them`,
    });
  }
  return byKind.get("Organization") ?? new Map<string, ParsedResource>();
}

/**
 * Everything checked across resources: names, organizations, duplicate members (case-insensitive),
 * R2 (exactly one owner), external members. Returns the desired state only when nothing is an error.
 */
export function checkResources(
  resources: readonly ParsedResource[],
  revision: string,
  options: CheckOptions = {},
): { findings: Finding[]; state?: DesiredState } {
  const findings: Finding[] = [];
  const orgs = checkNames(resources, findings);
  const guessing = (org: string): boolean =>
    options.unreadable === true || (options.incomplete?.has(org) ?? false);

  // Members are grouped by the organization they name, declared or not: duplicates and
  // owners are checked even when the Organization itself was rejected or is missing.
  const byOrg = new Map<string, OrgGroup>();
  const groupOf = (name: string): OrgGroup => {
    let group = byOrg.get(name);
    if (!group) {
      const org = orgs.get(name);
      group = {
        org,
        domains: org ? orgSettings(org).domains : [],
        allowExternal: org ? orgPolicy(org).allowExternal : true,
        members: [],
        owners: [],
        emails: new Map(),
        logins: new Map(),
      };
      byOrg.set(name, group);
    }
    return group;
  };
  for (const name of orgs.keys()) groupOf(name);

  for (const r of resources) {
    if (r.kind !== "Member") continue;
    const { organization } = memberSpec(r);
    const group = groupOf(organization);
    if (!group.org && !guessing(organization)) {
      findings.push(unknownOrganization(r, organization, [...orgs.keys()]));
    }
    const { email: raw, role } = memberSpec(r);
    const email = normalizeEmail(raw);
    const first = group.emails.get(email);
    if (first) {
      findings.push(duplicateMember(r, first, email, organization));
      continue;
    }
    group.emails.set(email, r);
    const login = (r.spec as { github?: string }).github?.toLowerCase();
    if (login !== undefined) {
      const holder = group.logins.get(login);
      if (holder) findings.push(duplicateLogin(r, holder, login, organization));
      else group.logins.set(login, r);
    }
    group.members.push(r);
    if (role === "owner") group.owners.push(r);
    const expiry = expiryFinding(r, role, options.now);
    if (expiry) findings.push(expiry);
    const external = externalMember(r, group, email);
    if (external) findings.push(external);
  }

  const reviews = checkReviews(resources, byOrg, guessing, [...orgs.keys()], findings);

  for (const [name, group] of byOrg) {
    if (group.owners.length > 1) findings.push(...multipleOwners(name, group.owners));
    if (!group.org) continue;
    if (group.owners.length === 0 && !guessing(name)) findings.push(noOwner(group.org));
    const noDomains = noDomainsButClosed(group.org);
    if (noDomains) findings.push(noDomains);
  }

  const undeclared = [...byOrg.values()].some((g) => !g.org);
  if (options.build === false || undeclared || findings.some((f) => f.severity === "error")) {
    return { findings };
  }
  const organizations = [...byOrg.values()]
    .map((group) =>
      desiredOrganization(
        group.org as ParsedResource,
        group.members.map(desiredMember),
        reviews.get((group.org as ParsedResource).name),
      ),
    )
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { findings, state: { revision, organizations } };
}

/**
 * Cross-resource checks and the desired state, from resources already schema-valid (files via
 * `parseSourceFile`, Kubernetes objects via the schema's `validate`). Issues point at each
 * resource's declaration; `state` is present only when no issue is an error.
 */
export function assembleDesiredState(
  resources: ParsedResource[],
  revision: string,
  describe = "source",
): { state?: DesiredState; issues: Issue[] } {
  if (resources.length === 0) return { issues: [emptySource(describe)] };
  const { findings, state } = checkResources(resources, revision);
  const issues = toIssues(findings, documentLocate);
  return state ? { state, issues } : { issues };
}

/** Never read "nothing declared" as "remove everyone" (DESIGN, safety). */
export function emptySource(
  describe: string,
  detail = "no Organization or Member resources",
): Issue {
  return {
    file: describe,
    line: 1,
    col: 1,
    rule: "empty-source",
    severity: "error",
    message: `nothing to validate: ${detail}`,
    hint: "point Roster at the folder that holds your Organization and Member YAML files",
  };
}
