import type { HandlerContext, Reply } from "../context.js";
import { writeReply } from "../context.js";
import { ApiError } from "../errors.js";
import {
  bodyObject,
  listReply,
  managedFlag,
  optionalRole,
  optionalString,
  pageRequest,
  requiredRole,
  requiredString,
} from "../input.js";

export function listMembers(ctx: HandlerContext): Reply {
  return listReply(
    ctx.store.listMembers(ctx.actor, ctx.params.org as string, pageRequest(ctx.query)),
  );
}

/** `{ role, from? }`: `from` is the role the caller planned from (a stale plan gets 409). */
export function changeRole(ctx: HandlerContext): Reply {
  const body = bodyObject(ctx.body);
  const to = requiredRole(body, "role");
  const from = optionalRole(body, "from");
  const result = ctx.store.changeRole(
    ctx.actor,
    ctx.params.org as string,
    ctx.params.email as string,
    to,
    {
      ...ctx.write,
      ...managedFlag(body),
      ...(from === undefined ? {} : { expectFrom: from }),
    },
  );
  return writeReply(result);
}

/** R5 `{ to, from? }`: `from` is the owner the caller believes is current. */
export function transfer(ctx: HandlerContext): Reply {
  const body = bodyObject(ctx.body);
  const to = requiredString(body, "to");
  const from = optionalString(body, "from");
  const result = ctx.store.transferOwnership(ctx.actor, ctx.params.org as string, to, {
    ...ctx.write,
    ...managedFlag(body),
    ...(from === undefined ? {} : { expectFrom: from }),
  });
  return writeReply(result);
}

/** R6: the membership, the user's keys and sessions go in one transaction. */
export function removeMember(ctx: HandlerContext): Reply {
  const result = ctx.store.removeMember(
    ctx.actor,
    ctx.params.org as string,
    ctx.params.email as string,
    ctx.write,
  );
  return writeReply(result);
}

/**
 * `{ emails }`: marks their memberships and open invitations as managed by Roster (R3), per
 * record; emails with neither are skipped. Idempotent: a repeat answers `noop`.
 */
export function markManaged(ctx: HandlerContext): Reply {
  const emails = bodyObject(ctx.body).emails;
  if (!Array.isArray(emails) || !emails.every((e) => typeof e === "string")) {
    throw new ApiError("invalid", `"emails" is required: a list of email addresses`);
  }
  return writeReply(ctx.store.markManaged(ctx.actor, ctx.params.org as string, emails, ctx.write));
}
