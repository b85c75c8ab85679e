import type { HandlerContext, Reply } from "../context.js";
import { writeReply } from "../context.js";
import { ApiError } from "../errors.js";
import { listReply, pageRequest } from "../input.js";

/** A personal key for the caller; the plaintext is in this answer only (stored hashed). */
export function createApiKey(ctx: HandlerContext): Reply {
  const p = ctx.principal;
  if (p === null || p.kind !== "user") {
    throw new ApiError("forbidden", "API keys are personal: create them with a member's own key");
  }
  const result = ctx.store.createApiKeyOnce(
    ctx.actor,
    ctx.params.org as string,
    p.email,
    ctx.write,
  );
  return writeReply(result, 201);
}

export function listApiKeys(ctx: HandlerContext): Reply {
  const items = ctx.store.listApiKeys(ctx.actor, ctx.params.org as string);
  return { status: 200, body: { items, next_cursor: null } };
}

export function revokeApiKey(ctx: HandlerContext): Reply {
  const raw = ctx.params.id as string;
  if (!/^\d{1,15}$/.test(raw)) throw new ApiError("not-found", `no API key "${raw}"`);
  return writeReply(
    ctx.store.revokeApiKey(ctx.actor, ctx.params.org as string, Number(raw), ctx.write),
  );
}

/** Newest first; R9 "View audit logs" is for admins and the owner. */
export function listAudit(ctx: HandlerContext): Reply {
  return listReply(
    ctx.store.listAudit(ctx.actor, ctx.params.org as string, pageRequest(ctx.query)),
  );
}
