import type { ActualMember } from "../../../model/index.js";
import { normalizeEmail } from "../../../model/index.js";
import type { BackoffOptions } from "./backoff.js";
import type { Directory, GroupEntry } from "./directory.js";
import { listActiveDomainUsers } from "./directory.js";
import type { GroupRecordData } from "./record.js";
import { fromGoogleRole } from "./roles.js";

/** Google keeps no date for a membership; members Roster did not add show this. */
export const UNKNOWN_SINCE = new Date(0).toISOString();

/**
 * The group's USER entries as Roster members (sorted by email), with what the record adds
 * (since, the R8 mark) and Google's member ETag as the `version`. Other entries — nested groups, the whole customer, a role Google may
 * add later — are left alone and described for a warning.
 */
export function groupMembers(
  entries: readonly GroupEntry[],
  record: GroupRecordData,
): { members: ActualMember[]; ignored: string[] } {
  const members = new Map<string, ActualMember>();
  const ignored: string[] = [];
  for (const entry of entries) {
    const role = fromGoogleRole(entry.role);
    if (entry.type !== "USER" || !entry.email || role === undefined) {
      ignored.push(describeEntry(entry));
      continue;
    }
    const email = normalizeEmail(entry.email);
    const mark = record.members[email];
    members.set(email, {
      email,
      role,
      since: mark?.since ?? UNKNOWN_SINCE,
      ...(mark?.autoProvisioned === true ? { autoProvisioned: true } : {}),
      ...(entry.etag === undefined ? {} : { version: entry.etag }),
    });
  }
  return { members: [...members.values()].sort((a, b) => compare(a.email, b.email)), ignored };
}

function describeEntry(entry: GroupEntry): string {
  if (entry.type === "CUSTOMER") return "CUSTOMER (every user of the account)";
  const role = entry.type === "USER" ? ` role ${entry.role ?? "?"}` : "";
  return `${entry.type} ${entry.email ?? "(no email)"}${role}`;
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The active users of the organization's domains (R8 auto-provisioning), sorted, each once. */
export async function activeDomainUsers(
  directory: Directory,
  domains: readonly string[],
  backoff: BackoffOptions,
): Promise<string[]> {
  const users = new Set<string>();
  for (const domain of [...new Set(domains.map((d) => d.toLowerCase()))]) {
    for (const email of await listActiveDomainUsers(directory, domain, backoff)) users.add(email);
  }
  return [...users].sort(compare);
}
