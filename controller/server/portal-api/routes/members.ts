import type { HandlerContext, Reply } from "../context.js";
import { writeReply } from "../context.js";
import {
  bodyObject,
  listReply,
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
