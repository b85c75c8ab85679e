/**
 * Builders for planner tests: compact tables in, real DesiredState / ObservedState out.
 * Emails are written short ("bob" → "bob@acme.com"); a name with "@" is kept as is.
 */
import type {
  ActualInvitation,
  ActualMember,
  ActualOrganization,
  Capabilities,
  DesiredOrganization,
  DesiredState,
  InvitableRole,
  OrgPolicy,
  OrgSettings,
  Role,
} from "../../controller/model/index.js";
import {
  FULL_CAPABILITIES,
  defaultOrgPolicy,
  defaultOrgSettings,
} from "../../controller/model/index.js";
import type {
  BlockedStep,
  ObservedState,
  Plan,
  PlanOptions,
  Step,
} from "../../controller/plan/index.js";
import { isAutoProvisioned, plan } from "../../controller/plan/index.js";

export const NOW = "2026-03-01T00:00:00.000Z";

export function email(short: string, domain = "acme.com"): string {
  return short.includes("@") ? short : `${short}@${domain}`;
}

export interface OrgCase {
  org?: string;
  declared: Record<string, Role>;
  /** Active members; `"member+ap"` marks an auto-provisioned member. */
  actual?: Record<string, Role | `${Role}+ap`> | null;
  pending?: Record<string, InvitableRole>;
  expired?: Record<string, InvitableRole>;
  managed?: string[];
  settings?: Partial<OrgSettings>;
  actualSettings?: Partial<OrgSettings>;
  policy?: Partial<OrgPolicy>;
  domainUsers?: string[];
  caps?: Partial<Capabilities>;
}

export function desiredOrg(c: OrgCase): DesiredOrganization {
  const name = c.org ?? "acme";
  return {
    name,
    settings: { ...defaultOrgSettings(name), domains: ["acme.com"], ...c.settings },
    policy: { ...defaultOrgPolicy(), ...c.policy },
    members: Object.entries(c.declared)
      .map(([short, role]) => ({ name: short, email: email(short), role }))
      .sort((a, b) => (a.email < b.email ? -1 : 1)),
  };
}

export function actualOrg(c: OrgCase): ActualOrganization | null {
  if (c.actual === null) return null;
  const name = c.org ?? "acme";
  const members: ActualMember[] = Object.entries(c.actual ?? {}).map(([short, spec]) => {
    const [role, flag] = spec.split("+") as [Role, string | undefined];
    return {
      email: email(short),
      role,
      since: "2025-01-01T00:00:00.000Z",
      ...(flag === "ap" ? { autoProvisioned: true } : {}),
    };
  });
  const invitation = (short: string, role: InvitableRole, expiredToo: boolean) =>
    ({
      email: email(short),
      role,
      sentAt: "2026-02-01T00:00:00.000Z",
      expiresAt: expiredToo ? "2026-02-08T00:00:00.000Z" : "2026-03-08T00:00:00.000Z",
      status: expiredToo ? "expired" : "pending",
    }) satisfies ActualInvitation;
  const invitations = [
    ...Object.entries(c.pending ?? {}).map(([s, r]) => invitation(s, r, false)),
    ...Object.entries(c.expired ?? {}).map(([s, r]) => invitation(s, r, true)),
  ];
  const byEmail = (a: { email: string }, b: { email: string }) => (a.email < b.email ? -1 : 1);
  return {
    name,
    settings: {
      ...defaultOrgSettings(name),
      domains: ["acme.com"],
      ...(c.actualSettings ?? c.settings),
    },
    members: members.sort(byEmail),
    invitations: invitations.sort(byEmail),
    ...(c.domainUsers ? { domainUsers: c.domainUsers.map((s) => email(s)) } : {}),
  };
}

export function build(
  cases: OrgCase[],
  undeclared: string[] = [],
): { desired: DesiredState; observed: ObservedState } {
  const desired: DesiredState = { revision: "rev-1", organizations: cases.map(desiredOrg) };
  const observed: ObservedState = {
    organizations: new Map(
      cases.map((c) => [
        c.org ?? "acme",
        {
          actual: actualOrg(c),
          managed: new Set((c.managed ?? []).map((s) => email(s))),
          capabilities: { ...FULL_CAPABILITIES, ...c.caps } satisfies Capabilities,
        },
      ]),
    ),
    undeclared,
  };
  return { desired, observed };
}

export function planFor(cases: OrgCase | OrgCase[], options?: PlanOptions): Plan {
  const { desired, observed } = build(Array.isArray(cases) ? cases : [cases]);
  return plan(desired, observed, options);
}

const short = (e: string | undefined) => (e ?? "").replace(/@acme\.com$/, "");

/**
 * One line per step with every field that matters: action, org (when not acme), email, and
 * role / from→to. Transfers read "transferOwnership bob alice→bob".
 */
export function summarize(step: Step | BlockedStep): string {
  const org = step.org === "acme" ? "" : `${step.org}:`;
  const head = `${step.action} ${org}${short(step.email)}`;
  switch (step.action) {
    case "changeRole":
      return `${head} ${step.from}→${step.to}`;
    case "transferOwnership":
      return `${head} ${short(step.from)}→${short(step.to)}`;
    case "updateOrganization":
      return `${step.action} ${org}${step.changed.join(",")}`;
    default: {
      const ap = isAutoProvisioned(step) ? " (ap)" : "";
      return `${head} ${step.role ?? ""}`.trimEnd() + ap;
    }
  }
}

export function summary(p: Plan): { steps: string[]; blocked: string[]; warnings: string[] } {
  return {
    steps: p.steps.map(summarize),
    blocked: p.blocked.map(summarize),
    warnings: p.warnings.map((w) => `${w.code} ${short(w.email) || (w.org ?? "")}`),
  };
}
