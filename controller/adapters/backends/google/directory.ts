import type { admin_directory_v1 } from "@googleapis/admin";
import { normalizeEmail } from "../../../model/index.js";
import { createAuthClient, SCOPES, type GoogleCredentials } from "./auth.js";
import { retryRead, type BackoffOptions } from "./backoff.js";
import { readGoogleError, toBackendError } from "./errors.js";

export type Directory = admin_directory_v1.Admin;

/** The Directory API client, with the two scopes Roster needs and no retries of its own. */
export async function openDirectory(options: {
  credentials: GoogleCredentials;
  rootUrl?: string;
  timeoutMs?: number;
}): Promise<Directory> {
  const auth = await createAuthClient(options.credentials, [
    SCOPES.groupMember,
    SCOPES.userReadonly,
  ]);
  // Loaded on first use: every CLI command would otherwise pay for this SDK at start-up.
  const { admin } = await import("@googleapis/admin");
  return admin({
    version: "directory_v1",
    auth,
    // Retries are ours (reads in retryRead, writes in the executor), with injectable sleeps.
    retry: false,
    timeout: options.timeoutMs ?? 30_000,
    ...(options.rootUrl === undefined ? {} : { rootUrl: options.rootUrl }),
  });
}

/** One entry of a group as `members.list` returns it. */
export interface GroupEntry {
  email: string | undefined;
  role: string | undefined;
  /** USER, GROUP or CUSTOMER. */
  type: string;
  /** The member resource's ETag (changes when Google changes the membership): its `version`. */
  etag: string | undefined;
}

/** FACTS: `members.list` pages hold at most 200 members. */
export const MEMBERS_PAGE_SIZE = 200;
/** `users.list` pages hold at most 500 users. */
export const USERS_PAGE_SIZE = 500;

/**
 * Every entry of the group, one `members.list` call per page (never one call per member).
 * null when the group does not exist.
 */
export async function listGroupEntries(
  directory: Directory,
  group: string,
  backoff: BackoffOptions,
): Promise<GroupEntry[] | null> {
  const entries: GroupEntry[] = [];
  let pageToken: string | undefined;
  do {
    const token = pageToken;
    const page = await retryRead(async () => {
      try {
        const res = await directory.members.list({
          groupKey: group,
          maxResults: MEMBERS_PAGE_SIZE,
          // Only what Roster reads: smaller pages on large groups.
          fields: "nextPageToken,members(email,role,type,etag)",
          ...(token === undefined ? {} : { pageToken: token }),
        });
        return res.data;
      } catch (error) {
        if (token === undefined && readGoogleError(error).status === 404) return null;
        throw toBackendError(error, `list the members of ${group}`);
      }
    }, backoff);
    if (page === null) return null;
    for (const m of page.members ?? []) {
      entries.push({
        email: m.email ?? undefined,
        role: m.role ?? undefined,
        type: m.type ?? "USER",
        etag: m.etag ?? undefined,
      });
    }
    pageToken = page.nextPageToken ?? undefined;
  } while (pageToken);
  return entries;
}

/**
 * The active users of one domain (R8): `users.list` by domain, paged. Suspended and archived
 * users are left out, so they lose an auto-provisioned membership at the next sync; deleted
 * users are not listed at all.
 */
export async function listActiveDomainUsers(
  directory: Directory,
  domain: string,
  backoff: BackoffOptions,
): Promise<string[]> {
  const emails: string[] = [];
  let pageToken: string | undefined;
  do {
    const token = pageToken;
    const page = await retryRead(async () => {
      try {
        const res = await directory.users.list({
          domain,
          maxResults: USERS_PAGE_SIZE,
          fields: "nextPageToken,users(primaryEmail,suspended,archived)",
          ...(token === undefined ? {} : { pageToken: token }),
        });
        return res.data;
      } catch (error) {
        throw toBackendError(error, `list the users of the domain ${domain}`);
      }
    }, backoff);
    for (const user of page.users ?? []) {
      if (user.suspended === true || user.archived === true || !user.primaryEmail) continue;
      emails.push(normalizeEmail(user.primaryEmail));
    }
    pageToken = page.nextPageToken ?? undefined;
  } while (pageToken);
  return emails;
}
