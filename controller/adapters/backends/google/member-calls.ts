import type { InvitableRole, Role, WriteContext, WriteOutcome } from "../../../model/index.js";
import { BackendError, PRECONDITION_FAILED } from "../../../model/index.js";
import { retryRead, type BackoffOptions } from "./backoff.js";
import type { Directory } from "./directory.js";
import { readGoogleError, toBackendError } from "./errors.js";
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

/**
 * `members.insert`: `inserted` when Google added them now. A 409 means the member is there
 * already (a retried write, or added by hand). With the role asked for it is a `noop` (natural
 * idempotency: Google keeps no idempotency keys). With another role and a plan that saw no
 * member (`expect: absent`), someone else added them meanwhile: a failed precondition, so the
 * organization is observed and planned again.
 */
export async function insertMember(
  directory: Directory,
  group: string,
  key: string,
  role: InvitableRole,
  ctx: WriteContext,
  backoff: BackoffOptions,
): Promise<"inserted" | WriteOutcome> {
  try {
    await directory.members.insert({
      groupKey: group,
      requestBody: { email: key, role: toGoogleRole(role) },
    });
    return "inserted";
  } catch (error) {
    if (readGoogleError(error).status !== 409)
      throw toBackendError(error, `add ${key} to ${group}`);
  }
  const currentRole = await readMemberRole(directory, group, key, backoff);
  if (currentRole === role) return "noop";
  if (ctx.expect !== undefined && "absent" in ctx.expect) {
    throw new BackendError(
      PRECONDITION_FAILED,
      `${key} was added to ${group} as ${currentRole ?? "?"} after it was read: observe again`,
    );
  }
  if (currentRole === "owner") {
    throw new BackendError(
      "conflict",
      `${key} is an OWNER of ${group} already; Roster moves ownership only by a transfer (R5)`,
    );
  }
  await patchMemberRole(directory, group, key, role);
  return "applied";
}

/** `members.delete`; a member already gone is a `noop`. */
export async function deleteMember(
  directory: Directory,
  group: string,
  key: string,
): Promise<WriteOutcome> {
  try {
    await directory.members.delete({ groupKey: group, memberKey: key });
    return "applied";
  } catch (error) {
    if (readGoogleError(error).status !== 404) {
      throw toBackendError(error, `remove ${key} from ${group}`);
    }
    return "noop";
  }
}
