import type { Role } from "../model/index.js";
import type { MemberGrant } from "./membership-diff.js";
import type { PolicyNote, PullRequestPeople } from "./pr-policy.js";

/** Who a login is in one organization at base; `ambiguous` when two members declare it. */
export type Identity = { email: string; role: Role } | "ambiguous";

export interface OrgAuthority {
  byLogin: Map<string, Identity>;
  owner?: { email: string; github?: string };
}

export interface Participant {
  login: string;
  key: string;
}

/**
 * Authority in an organization new at head: only its declared owner, by the login head gives
 * them, and only to create it (org-create); nobody else holds a role in it yet.
 */
export function founderOf(members: Map<string, MemberGrant>): OrgAuthority {
  for (const [email, grant] of members) {
    if (grant.role !== "owner") continue;
    const byLogin = new Map<string, Identity>();
    if (grant.github) byLogin.set(grant.github.toLowerCase(), { email, role: "owner" });
    return { byLogin, owner: { email, ...(grant.github ? { github: grant.github } : {}) } };
  }
  return { byLogin: new Map() };
}

/** The author first, then each approver once; logins compare case-insensitively (GitHub does). */
export function participantsOf(people: PullRequestPeople): Participant[] {
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

export function authorityOf(
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
