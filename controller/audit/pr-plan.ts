import type { ActualOrganization, DesiredOrganization, DesiredState } from "../model/index.js";
import { FULL_CAPABILITIES } from "../model/index.js";
import type { ObservedOrganization, ObservedState, Plan } from "../plan/index.js";
import { plan } from "../plan/index.js";

/** A fixed instant for the members the base declares: the plan never reads it. */
const DECLARED_AT_BASE = "1970-01-01T00:00:00.000Z";

/**
 * The plan a merge would cause if the backend held exactly what base declares: base members
 * are active members (managed by Roster), head members they lack become invites, and an
 * organization new at head is created. Pure, so `roster check` needs no backend; with
 * `--backend` the CLI plans against the real one instead.
 */
export function planAgainstBase(base: DesiredState, head: DesiredState, now?: Date): Plan {
  const baseOrgs = new Map(base.organizations.map((o) => [o.name, o]));
  const organizations = new Map<string, ObservedOrganization>();
  for (const org of head.organizations) {
    const was = baseOrgs.get(org.name);
    organizations.set(org.name, {
      actual: was ? asActual(was) : null,
      managed: new Set(was?.members.map((m) => m.email) ?? []),
      capabilities: FULL_CAPABILITIES,
    });
  }
  const declared = new Set(head.organizations.map((o) => o.name));
  const observed: ObservedState = {
    organizations,
    undeclared: base.organizations.map((o) => o.name).filter((n) => !declared.has(n)),
  };
  return plan(head, observed, now === undefined ? {} : { now });
}

function asActual(org: DesiredOrganization): ActualOrganization {
  return {
    name: org.name,
    settings: org.settings,
    members: org.members.map((m) => ({ email: m.email, role: m.role, since: DECLARED_AT_BASE })),
    invitations: [],
  };
}
