import type {
  ActualOrganization,
  DesiredOrganization,
  DesiredState,
  OrgPolicy,
  Role,
} from "../../controller/model/index.js";
import {
  FULL_CAPABILITIES,
  defaultOrgPolicy,
  defaultOrgSettings,
} from "../../controller/model/index.js";
import type { ObservedState } from "../../controller/plan/types.js";

/** `{ "alice@acme.com": "owner", … }` → a declared org with default settings and policy. */
export function declaredOrg(
  name: string,
  members: Record<string, Role>,
  policy: Partial<OrgPolicy> = {},
): DesiredOrganization {
  return {
    name,
    settings: defaultOrgSettings(name),
    policy: { ...defaultOrgPolicy(), ...policy },
    members: Object.entries(members)
      .map(([email, role]) => ({ name: email.split("@")[0] as string, email, role }))
      .sort((a, b) => (a.email < b.email ? -1 : 1)),
  };
}

export function desiredState(revision: string, ...orgs: DesiredOrganization[]): DesiredState {
  return { revision, organizations: orgs };
}

/** An org as a backend would hold it, with `members` active and `invited` pending. */
export function actualOrg(
  name: string,
  members: Record<string, Role>,
  invited: Record<string, "admin" | "member"> = {},
): ActualOrganization {
  const since = "2025-01-01T00:00:00.000Z";
  return {
    name,
    settings: defaultOrgSettings(name),
    members: Object.entries(members)
      .map(([email, role]) => ({ email, role, since }))
      .sort((a, b) => (a.email < b.email ? -1 : 1)),
    invitations: Object.entries(invited)
      .map(([email, role]) => ({
        email,
        role,
        sentAt: since,
        expiresAt: "2999-01-01T00:00:00.000Z",
        status: "pending" as const,
      }))
      .sort((a, b) => (a.email < b.email ? -1 : 1)),
  };
}

export function observedState(
  entries: Record<string, { actual: ActualOrganization | null; managed?: string[] }>,
): ObservedState {
  return {
    organizations: new Map(
      Object.entries(entries).map(([name, e]) => [
        name,
        { actual: e.actual, managed: new Set(e.managed ?? []), capabilities: FULL_CAPABILITIES },
      ]),
    ),
    undeclared: [],
  };
}
