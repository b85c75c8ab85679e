import { memberExpiry, orgPolicy, orgSettings } from "./build-state.js";
import type { Finding, Locate } from "./finding.js";
import { where } from "./finding.js";
import type { ParsedResource } from "./parsed-resource.js";

/** The Members that name one organization, declared or not, as the cross-resource checks group them. */
export interface OrgGroup {
  /** Undefined when no valid Organization of that name is declared. */
  org: ParsedResource | undefined;
  domains: string[];
  allowExternal: boolean;
  members: ParsedResource[];
  owners: ParsedResource[];
  emails: Map<string, ParsedResource>;
  logins: Map<string, ParsedResource>;
}

export function memberSpec(resource: ParsedResource): {
  organization: string;
  email: string;
  role: string;
} {
  return resource.spec as { organization: string; email: string; role: string };
}

export function unknownOrganization(
  r: ParsedResource,
  organization: string,
  declared: string[],
): Finding {
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

export function duplicateMember(
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
export function duplicateLogin(
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

export function externalMember(
  r: ParsedResource,
  group: OrgGroup,
  email: string,
): Finding | undefined {
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
export function expiryFinding(
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

export function noDomainsButClosed(org: ParsedResource): Finding | undefined {
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

export function noOwner(org: ParsedResource): Finding {
  return {
    at: { resource: org, path: ["metadata", "name"] },
    rule: "R2-no-owner",
    severity: "error",
    message: () => `organization "${org.name}" has no owner`,
    hint: `R2: exactly one owner per organization; give one Member of "${org.name}" role: owner`,
  };
}

export function multipleOwners(org: string, owners: ParsedResource[]): Finding[] {
  const path = ["spec", "role"];
  return owners.map((owner) => ({
    at: { resource: owner, path },
    rule: "R2-multiple-owners",
    severity: "error",
    message: (locate: Locate) =>
      `organization "${org}" has ${owners.length} owners: ` +
      owners
        .map((o) => `${memberSpec(o).email} (${where(locate, { resource: o, path })})`)
        .join(", "),
    hint: "R2: exactly one owner per organization; make the others admin (ownership moves by transfer, R5)",
  }));
}
