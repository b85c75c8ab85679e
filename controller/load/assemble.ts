import type { DesiredAccessReview, DesiredState, Issue, SourceRef } from "../model/index.js";
import { normalizeEmail } from "../model/index.js";
import {
  desiredAccessReview,
  desiredMember,
  desiredOrganization,
  memberExpiry,
  orgSettings,
  orgPolicy,
} from "./build-state.js";
import type { ParsedResource } from "./parsed-resource.js";

/** A node of a resource: `path` inside the document, e.g. `["spec", "email"]`. */
export interface Anchor {
  resource: ParsedResource;
  path: readonly string[];
}

/** Turns an anchor into a place; precise when the file text is at hand, else the document. */
export type Locate = (anchor: Anchor) => SourceRef;

/**
 * A cross-resource problem. Its message is rendered late, with the locator the caller has:
 * a message that names another place ("first declared at …") then names it as precisely as
 * the issue's own position.
 */
export interface Finding {
  at: Anchor;
  rule: string;
  severity: Issue["severity"];
  message: (locate: Locate) => string;
  hint?: string;
}

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

interface OrgGroup {
  /** Undefined when no valid Organization of that name is declared. */
  org: ParsedResource | undefined;
  domains: string[];
  allowExternal: boolean;
  members: ParsedResource[];
  owners: ParsedResource[];
  emails: Map<string, ParsedResource>;
  logins: Map<string, ParsedResource>;
}

const where = (locate: Locate, anchor: Anchor): string => {
  const at = locate(anchor);
  return `${at.file}:${at.line}:${at.col}`;
};

function spec(resource: ParsedResource): { organization: string; email: string; role: string } {
  return resource.spec as { organization: string; email: string; role: string };
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
    const { organization } = spec(r);
    const group = groupOf(organization);
    if (!group.org && !guessing(organization)) {
      findings.push(unknownOrganization(r, organization, [...orgs.keys()]));
    }
    const { email: raw, role } = spec(r);
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
 * AccessReviews: of a declared organization, signed by its owner or an admin as declared in the
 * same tree (the revision the review was committed at). Returns the valid ones per organization.
 */
function checkReviews(
  resources: readonly ParsedResource[],
  byOrg: ReadonlyMap<string, OrgGroup>,
  guessing: (org: string) => boolean,
  declared: string[],
  findings: Finding[],
): Map<string, DesiredAccessReview[]> {
  const out = new Map<string, DesiredAccessReview[]>();
  for (const r of resources) {
    if (r.kind !== "AccessReview") continue;
    const { organization, reviewer } = r.spec as { organization: string; reviewer: string };
    const group = byOrg.get(organization);
    if (!group?.org) {
      if (!guessing(organization)) findings.push(unknownOrganization(r, organization, declared));
      continue;
    }
    const email = normalizeEmail(reviewer);
    const declaredAs = group.emails.get(email);
    const role = declaredAs ? spec(declaredAs).role : undefined;
    if (role !== "owner" && role !== "admin") {
      if (guessing(organization)) continue;
      findings.push({
        at: { resource: r, path: ["spec", "reviewer"] },
        rule: "review-reviewer",
        severity: "error",
        message: () =>
          `AccessReview "${r.name}": ${email} ${role === undefined ? "is not a member" : `is ${role}`} of "${organization}"; a review is signed by its owner or an admin`,
        hint: "name the owner or an admin of the organization (as declared in this commit) as spec.reviewer",
      });
      continue;
    }
    const list = out.get(organization) ?? [];
    list.push(desiredAccessReview(r));
    out.set(organization, list);
  }
  return out;
}

function unknownOrganization(r: ParsedResource, organization: string, declared: string[]): Finding {
  return {
    at: { resource: r, path: ["spec", "organization"] },
    rule: "unknown-organization",
    severity: "error",
    message: () =>
      `${r.kind} "${r.name}" belongs to organization "${organization}", which is not declared`,
    hint:
      declared.length > 0
        ? `declare an Organization named "${organization}", or use one of: ${declared.sort().join(", ")}`
        : `declare an Organization named "${organization}"`,
  };
}

function duplicateMember(
  r: ParsedResource,
  first: ParsedResource,
  email: string,
  org: string,
): Finding {
  return {
    at: { resource: r, path: ["spec", "email"] },
    rule: "duplicate-member",
    severity: "error",
    message: (locate) =>
      `${email} is declared twice in organization "${org}": Member "${first.name}" at ${where(locate, { resource: first, path: ["spec", "email"] })} and Member "${r.name}" here`,
    hint: "emails are compared case-insensitively; keep one Member per person and organization",
  };
}

/** A login two members claim would make the PR check count the real holder as nobody. */
function duplicateLogin(
  r: ParsedResource,
  first: ParsedResource,
  login: string,
  org: string,
): Finding {
  return {
    at: { resource: r, path: ["spec", "github"] },
    rule: "duplicate-github",
    severity: "error",
    message: (locate) =>
      `GitHub login ${login} is declared twice in organization "${org}": Member "${first.name}" at ${where(locate, { resource: first, path: ["spec", "github"] })} and Member "${r.name}" here`,
    hint: "logins are compared case-insensitively; give each login to the one member who holds it",
  };
}

function externalMember(r: ParsedResource, group: OrgGroup, email: string): Finding | undefined {
  const { domains, org, allowExternal: allowed } = group;
  // `email` is already normalised: its domain is what follows the last "@".
  const domain = email.slice(email.lastIndexOf("@") + 1);
  if (!org || domains.length === 0 || domains.includes(domain)) return undefined;
  return {
    at: { resource: r, path: ["spec", "email"] },
    rule: "external-member",
    severity: allowed ? "warning" : "error",
    message: () =>
      `${email} is outside the domains of organization "${org.name}" (${domains.join(", ")}): an external collaborator`,
    hint: allowed
      ? "allowed because the organization sets allowExternal: true; check that this person should have access"
      : `organization "${org.name}" sets allowExternal: false: use an address in ${domains.join(", ")} or allow external members`,
  };
}

/** The owner cannot expire (R2 would break at that instant); a past expiry is only a warning. */
function expiryFinding(
  r: ParsedResource,
  role: string,
  now: Date | undefined,
): Finding | undefined {
  const expires = memberExpiry(r);
  if (expires === undefined) return undefined;
  const at = { resource: r, path: ["spec", "expiresAt"] };
  const iso = new Date(expires).toISOString();
  if (role === "owner") {
    return {
      at,
      rule: "owner-expires",
      severity: "error",
      message: () =>
        `Member "${r.name}" is the owner and expires at ${iso}: the organization would be left without an owner (R2)`,
      hint: "transfer ownership to another member first (R5), then set expiresAt on the former owner",
    };
  }
  if (now === undefined || expires > now.getTime()) return undefined;
  return {
    at,
    rule: "expired",
    severity: "warning",
    message: () => `Member "${r.name}" expired at ${iso}: expired: will be revoked`,
    hint: "the controller revokes this member's access; delete the Member (or move expiresAt) to tidy up",
  };
}

function noDomainsButClosed(org: ParsedResource): Finding | undefined {
  if (orgPolicy(org).allowExternal || orgSettings(org).domains.length > 0) return undefined;
  return {
    at: { resource: org, path: ["spec", "allowExternal"] },
    rule: "external-member",
    severity: "error",
    message: () =>
      `organization "${org.name}" sets allowExternal: false but declares no domains, so every member would be external`,
    hint: "list the organization's email domains in spec.domains",
  };
}

function noOwner(org: ParsedResource): Finding {
  return {
    at: { resource: org, path: ["metadata", "name"] },
    rule: "R2-no-owner",
    severity: "error",
    message: () => `organization "${org.name}" has no owner`,
    hint: `R2: exactly one owner per organization; give one Member of "${org.name}" role: owner`,
  };
}

function multipleOwners(org: string, owners: ParsedResource[]): Finding[] {
  const path = ["spec", "role"];
  return owners.map((owner) => ({
    at: { resource: owner, path },
    rule: "R2-multiple-owners",
    severity: "error",
    message: (locate: Locate) =>
      `organization "${org}" has ${owners.length} owners: ` +
      owners.map((o) => `${spec(o).email} (${where(locate, { resource: o, path })})`).join(", "),
    hint: "R2: exactly one owner per organization; make the others admin (ownership moves by transfer, R5)",
  }));
}

/** Renders findings with a locator. */
export function toIssues(findings: readonly Finding[], locate: Locate): Issue[] {
  return findings.map((f) => {
    const at = locate(f.at);
    const issue: Issue = {
      file: at.file,
      line: at.line,
      col: at.col,
      rule: f.rule,
      severity: f.severity,
      message: f.message(locate),
    };
    if (f.hint) issue.hint = f.hint;
    return issue;
  });
}

/** Positions without file text: each resource's own declaration (line/col of its document). */
export const documentLocate: Locate = ({ resource }) => ({
  file: resource.file,
  line: resource.line,
  col: resource.col,
});

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
