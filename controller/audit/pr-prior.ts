import type { ActualOrganization } from "../model/index.js";
import { defaultOrgPolicy, defaultOrgSettings } from "../model/index.js";
import type { GitHistory } from "./git-history.js";
import type { MemberGrant } from "./membership-diff.js";
import type { PriorOrganization } from "./pr-policy.js";
import { replayHistory } from "./replay.js";

export interface PriorQuery {
  history: GitHistory;
  /** The base commit: its first-parent history is searched. */
  base: string;
  path?: string;
  /** Organizations head declares and base does not. */
  orgs: readonly string[];
  /** The backend's view of one organization (`roster check --backend`), when there is one. */
  observe?: (org: string) => Promise<ActualOrganization | null>;
}

/**
 * Where an organization new at base already exists: in the backend, or declared at an earlier
 * commit of base's history (it was deleted from the files, not from the world). Such an
 * organization has an owner, and declaring it again must not hand it to someone else.
 * Members found in the backend are recognised by the `github:` logins their latest declaration
 * gave them; settings not known (an earlier commit) are compared with the defaults, so every
 * setting the PR declares is judged.
 */
export async function priorOrganizations(
  query: PriorQuery,
): Promise<Map<string, PriorOrganization>> {
  const out = new Map<string, PriorOrganization>();
  if (query.orgs.length === 0) return out;
  const declared = await lastDeclarations(query);
  for (const org of query.orgs) {
    const earlier = declared.get(org);
    const actual = query.observe ? await query.observe(org) : null;
    if (actual) {
      const members = new Map<string, MemberGrant>();
      for (const m of actual.members) {
        const github = earlier?.members.get(m.email)?.github;
        members.set(m.email, github === undefined ? { role: m.role } : { role: m.role, github });
      }
      out.set(org, {
        members,
        settings: { settings: actual.settings, policy: defaultOrgPolicy() },
        where: "the backend",
      });
    } else if (earlier) {
      out.set(org, {
        members: earlier.members,
        settings: { settings: defaultOrgSettings(org), policy: defaultOrgPolicy() },
        where: `commit ${earlier.sha.slice(0, 12)}`,
      });
    }
  }
  return out;
}

async function lastDeclarations(
  query: PriorQuery,
): Promise<Map<string, { members: Map<string, MemberGrant>; sha: string }>> {
  const found = new Map<string, { members: Map<string, MemberGrant>; sha: string }>();
  const commits = await query.history.commits(query.base);
  await replayHistory(query.history, commits, query.path, ({ state, validAt }) => {
    if (!validAt) return;
    for (const org of query.orgs) {
      const members = state.get(org);
      if (members) found.set(org, { members, sha: validAt.sha });
    }
  });
  return found;
}
