import type { OrgSettings } from "../../../model/index.js";
import { FULL_CAPABILITIES } from "../../../model/index.js";
import type { HandlerContext, Reply } from "../context.js";
import { etag, writeReply } from "../context.js";
import { ApiError } from "../errors.js";
import { bodyObject, managedFlag, requiredString } from "../input.js";

/** The caller and what it may do (HttpBackend.capabilities reads this). */
export function getMe(ctx: HandlerContext): Reply {
  const p = ctx.principal;
  if (p === null || p.kind === "system") {
    return {
      status: 200,
      body: {
        kind: "system",
        name: "bootstrap",
        org: null,
        email: null,
        role: null,
        capabilities: FULL_CAPABILITIES,
      },
    };
  }
  return {
    status: 200,
    body: {
      kind: "user",
      org: p.org,
      email: p.email,
      role: p.role,
      keyId: p.keyId,
      capabilities: ctx.store.capabilities(ctx.actor, p.org),
    },
  };
}

export function listOrgs(ctx: HandlerContext): Reply {
  return {
    status: 200,
    body: { items: ctx.store.listOrganizations(ctx.actor), next_cursor: null },
  };
}

export function getOrg(ctx: HandlerContext): Reply {
  const org = ctx.store.organization(ctx.actor, ctx.params.org as string);
  if (org === null) throw new ApiError("not-found", `no organization "${ctx.params.org}"`);
  return { status: 200, body: org, headers: { etag: etag(org.settingsVersion) } };
}

/** System only (the bootstrap token): an API key belongs to an organization that exists. */
export function createOrg(ctx: HandlerContext): Reply {
  const body = bodyObject(ctx.body);
  const name = requiredString(body, "name");
  const owner = requiredString(body, "owner");
  const result = ctx.store.createOrganization(
    ctx.actor,
    name,
    body.settings as OrgSettings,
    owner,
    { ...ctx.write, ...managedFlag(body) },
  );
  const reply = writeReply(result, 201);
  return { ...reply, body: { ...(reply.body as object), name } };
}

/** A merge: fields absent from `settings` keep their value. */
export function patchOrg(ctx: HandlerContext): Reply {
  const name = ctx.params.org as string;
  const patch = bodyObject(bodyObject(ctx.body).settings ?? {});
  const current = ctx.store.organization(ctx.actor, name);
  if (current === null) throw new ApiError("not-found", `no organization "${name}"`);
  const auto = patch.autoProvisioning;
  const settings = {
    ...current.settings,
    ...patch,
    autoProvisioning:
      auto === undefined
        ? current.settings.autoProvisioning
        : { ...current.settings.autoProvisioning, ...bodyObject(auto) },
  } as OrgSettings;
  return writeReply(ctx.store.updateOrganization(ctx.actor, name, settings, ctx.write));
}
