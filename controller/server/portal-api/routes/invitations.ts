import type { InviteResult } from "../../../adapters/backends/sqlite/store-types.js";
import type { HandlerContext, Reply } from "../context.js";
import { writeReply } from "../context.js";
import { ApiError } from "../errors.js";
import {
  bodyObject,
  invitableRole,
  listReply,
  managedFlag,
  pageRequest,
  requiredString,
} from "../input.js";

export function listInvitations(ctx: HandlerContext): Reply {
  return listReply(
    ctx.store.listInvitations(ctx.actor, ctx.params.org as string, pageRequest(ctx.query)),
  );
}

/**
 * The token is the invitee's credential: it goes out by mail (the store's mailer) and never
 * in this answer, which the inviting admin reads.
 */
function inviteReply(result: InviteResult, createdStatus: number): Reply {
  const { token: _token, ...shown } = result;
  return writeReply(shown, createdStatus);
}

export async function invite(ctx: HandlerContext): Promise<Reply> {
  const body = bodyObject(ctx.body);
  const email = requiredString(body, "email");
  const role = invitableRole(body, "role");
  const result = await ctx.store.invite(ctx.actor, ctx.params.org as string, email, role, {
    ...ctx.write,
    ...managedFlag(body),
  });
  return inviteReply(result, 201);
}

export async function resendInvite(ctx: HandlerContext): Promise<Reply> {
  const result = await ctx.store.resendInvite(
    ctx.actor,
    ctx.params.org as string,
    ctx.params.email as string,
    { ...ctx.write, ...managedFlag(bodyObject(ctx.body)) },
  );
  return inviteReply(result, 200);
}

export function cancelInvite(ctx: HandlerContext): Reply {
  return writeReply(
    ctx.store.cancelInvite(
      ctx.actor,
      ctx.params.org as string,
      ctx.params.email as string,
      ctx.write,
    ),
  );
}

/** No API key: the one-time token from the mail is the authority (R7). Body or `?token=`. */
export function acceptInvitation(ctx: HandlerContext): Reply {
  const body = bodyObject(ctx.body);
  const token = typeof body.token === "string" ? body.token : ctx.query.get("token");
  if (token === null || token === "") {
    throw new ApiError("invalid", `"token" is required: the one from the invitation link`);
  }
  return writeReply(ctx.store.acceptInvitation(token, ctx.write));
}
