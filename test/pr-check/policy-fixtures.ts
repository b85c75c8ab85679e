/** MembershipState tables for the policy tests: org acme with one member of each kind. */
import { expect } from "vitest";
import type { MembershipState, MemberGrant } from "../../controller/audit/membership-diff.js";
import type { PolicyChange } from "../../controller/audit/pr-policy.js";
import type { Role } from "../../controller/model/index.js";

export type Row = [email: string, role: Role, github?: string];

export function state(orgs: Record<string, Row[]>): MembershipState {
  const out: MembershipState = new Map();
  for (const [org, rows] of Object.entries(orgs)) {
    out.set(
      org,
      new Map<string, MemberGrant>(
        rows.map(([email, role, github]) => [email, github ? { role, github } : { role }]),
      ),
    );
  }
  return out;
}

export const BASE: Row[] = [
  ["alice@acme.com", "owner", "alice-gh"],
  ["bob@acme.com", "admin", "bob-gh"],
  ["erin@acme.com", "admin", "erin-gh"],
  ["carol@acme.com", "member", "carol-gh"],
  ["dave@acme.com", "member"],
];

/** BASE with rows replaced (same email), added, or removed (role null). */
export function edit(rows: [string, Role | null, string?][]): Row[] {
  const out = new Map<string, Row>(BASE.map((r) => [r[0], r]));
  for (const [email, role, github] of rows) {
    if (role === null) out.delete(email);
    else out.set(email, github === undefined ? [email, role] : [email, role, github]);
  }
  return [...out.values()];
}

export function only(changes: PolicyChange[], email: string, change?: string): PolicyChange {
  const found = changes.filter((c) => c.email === email && (!change || c.change === change));
  expect(found).toHaveLength(1);
  return found[0]!;
}

export const base = state({ acme: BASE });
