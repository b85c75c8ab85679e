import type { Role } from "../../../model/index.js";
import { BackendError } from "../../../model/index.js";
import { retryRead, type BackoffOptions } from "./backoff.js";
import type { Directory } from "./directory.js";
import { toBackendError } from "./errors.js";
import { fromGoogleRole, toGoogleRole } from "./roles.js";

/** One member's role (`members.get`), a read: retried on quota like the listings. */
export async function readMemberRole(
  directory: Directory,
  group: string,
  key: string,
  backoff: BackoffOptions,
): Promise<Role | undefined> {
  const member = await retryRead(async () => {
    try {
      return (await directory.members.get({ groupKey: group, memberKey: key })).data;
    } catch (error) {
      throw toBackendError(error, `read ${key} in ${group}`);
    }
  }, backoff);
  return fromGoogleRole(member.role);
}

/** One `members.patch` of the role; a member who is not there is said plainly (R5). */
export async function patchMemberRole(
  directory: Directory,
  group: string,
  key: string,
  role: Role,
): Promise<void> {
  try {
    await directory.members.patch({
      groupKey: group,
      memberKey: key,
      requestBody: { role: toGoogleRole(role) },
    });
  } catch (error) {
    const mapped = toBackendError(error, `make ${key} ${toGoogleRole(role)} of ${group}`);
    if (mapped.code !== "not-found") throw mapped;
    throw new BackendError(
      "not-found",
      `${key} is not a member of ${group}: invite them first (R5: a transfer needs an active member)`,
    );
  }
}
