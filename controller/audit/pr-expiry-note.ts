import type { DesiredState, Issue } from "../model/index.js";
import { removalLimit } from "../plan/index.js";
import type { PolicyChange } from "./pr-policy.js";

/**
 * Expiry removals are not capped by `safety.maxRemovals`: a date reviewed ahead of time was the
 * review. A date the pull request itself sets in the past was reviewed by nobody ahead of time —
 * at merge it removes like deleted files, without the limit — so reviewers are told how many,
 * and whether deleting them would have exceeded the limit. A warning, as a plan's refused
 * removal limit is in the comment: the verdict stays with the policy.
 */
export function retroactiveExpiryIssues(
  changes: readonly PolicyChange[],
  base: DesiredState,
  head: DesiredState,
  now: number,
): Issue[] {
  const byOrg = new Map<string, string[]>();
  for (const c of changes) {
    if (c.change !== "expiryChanged" || c.to === null || Date.parse(c.to) > now) continue;
    if (c.from !== null && Date.parse(c.from) <= now) continue;
    byOrg.set(c.org, [...(byOrg.get(c.org) ?? []), c.email]);
  }
  const issues: Issue[] = [];
  for (const [name, emails] of byOrg) {
    const org = head.organizations.find((o) => o.name === name);
    if (!org) continue;
    const active = base.organizations.find((o) => o.name === name)?.members.length ?? 0;
    const limit = removalLimit(org.policy.maxRemovals, active);
    const over =
      emails.length > limit
        ? `, more than safety.maxRemovals allows for deletions (${limit})`
        : ` (safety.maxRemovals: ${limit})`;
    issues.push({
      file: org.source?.file ?? head.revision,
      line: org.source?.line ?? 1,
      col: org.source?.col ?? 1,
      rule: "pr-policy",
      severity: "warning",
      message: `${emails.length === 1 ? "1 member" : `${emails.length} members`} of ${name} ${emails.length === 1 ? "gets" : "get"} an expiry already past in this pull request (${emails.join(", ")}): removed at merge, not capped by the removal limit${over}`,
    });
  }
  return issues;
}
