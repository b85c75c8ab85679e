import type {
  ActualInvitation,
  ActualMember,
  Capabilities,
  OrgSettings,
  WriteOutcome,
} from "../../../model/index.js";
import { BackendError, isInvitableRole, isRole } from "../../../model/index.js";

/**
 * Reading the Portal API's JSON (controller/server/portal-api/openapi.json) into model types.
 * The server is trusted to be correct, not to be ours: a wrong shape is an error, not a guess.
 */

type Json = Record<string, unknown>;

function object(value: unknown, what: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw bad(what);
  return value as Json;
}

function string(value: unknown, what: string): string {
  if (typeof value !== "string") throw bad(what);
  return value;
}

function bad(what: string): BackendError {
  return new BackendError("bad-response", `the Portal API answered an unexpected ${what}`);
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function readPage<T>(body: unknown, item: (v: unknown) => T, what: string): Page<T> {
  const page = object(body, `${what} page`);
  if (!Array.isArray(page.items)) throw bad(`${what} page`);
  const next = page.next_cursor;
  if (next !== null && next !== undefined && typeof next !== "string") throw bad(`${what} cursor`);
  return { items: page.items.map(item), nextCursor: next ?? null };
}

export function readMember(value: unknown): ActualMember {
  const m = object(value, "member");
  const role = m.role;
  if (!isRole(role)) throw bad("member role");
  const member: ActualMember = {
    email: string(m.email, "member email"),
    role,
    since: string(m.since, "member since"),
  };
  if (m.autoProvisioned === true) member.autoProvisioned = true;
  Object.assign(member, versionAndMark(m, "member"));
  return member;
}

/** `version` and `managed` of a record; a server without them (an older Portal) has neither. */
function versionAndMark(r: Json, what: string): { version?: string; managed?: boolean } {
  const out: { version?: string; managed?: boolean } = {};
  if (r.version !== undefined) out.version = string(r.version, `${what} version`);
  if (r.managed !== undefined) {
    if (typeof r.managed !== "boolean") throw bad(`${what} managed`);
    out.managed = r.managed;
  }
  return out;
}

export function readInvitation(value: unknown): ActualInvitation {
  const i = object(value, "invitation");
  if (!isInvitableRole(i.role)) throw bad("invitation role");
  if (i.status !== "pending" && i.status !== "expired") throw bad("invitation status");
  return {
    email: string(i.email, "invitation email"),
    role: i.role,
    sentAt: string(i.sentAt, "invitation sentAt"),
    expiresAt: string(i.expiresAt, "invitation expiresAt"),
    status: i.status,
    ...versionAndMark(i, "invitation"),
  };
}

/** The organization's `settingsVersion`, when the server has one. */
export function readSettingsVersion(value: unknown): string | undefined {
  const v = object(value, "organization").settingsVersion;
  return v === undefined ? undefined : string(v, "organization settingsVersion");
}

export function readOrgName(value: unknown): string {
  return string(object(value, "organization").name, "organization name");
}

export function readSettings(value: unknown): OrgSettings {
  const org = object(value, "organization");
  const s = object(org.settings, "organization settings");
  const auto = object(s.autoProvisioning, "autoProvisioning");
  if (!Array.isArray(s.domains) || !s.domains.every((d) => typeof d === "string")) {
    throw bad("organization domains");
  }
  if (typeof auto.enabled !== "boolean" || !isInvitableRole(auto.role)) {
    throw bad("autoProvisioning");
  }
  if (typeof s.inviteExpirySeconds !== "number") throw bad("inviteExpirySeconds");
  return {
    displayName: string(s.displayName, "displayName"),
    domains: s.domains,
    autoProvisioning: { enabled: auto.enabled, role: auto.role },
    inviteExpirySeconds: s.inviteExpirySeconds,
  };
}

export function readOutcome(body: unknown): WriteOutcome {
  const outcome = object(body, "write result").outcome;
  if (outcome !== "applied" && outcome !== "noop") throw bad("write outcome");
  return outcome;
}

export interface Me {
  kind: "user" | "system";
  org: string | null;
  capabilities: Capabilities;
}

export function readMe(body: unknown): Me {
  const me = object(body, "caller");
  if (me.kind !== "user" && me.kind !== "system") throw bad("caller kind");
  const caps = object(me.capabilities, "capabilities");
  const actorRole = caps.actorRole;
  if (actorRole !== "system" && actorRole !== "none" && !isRole(actorRole)) {
    throw bad("capabilities actorRole");
  }
  const capabilities: Capabilities = { actorRole };
  if (caps.identity !== undefined && caps.identity !== null) {
    capabilities.identity = string(caps.identity, "capabilities identity");
  }
  if (me.kind === "user" && capabilities.identity === undefined) throw bad("caller identity");
  const org = me.org === null || me.org === undefined ? null : string(me.org, "caller org");
  return { kind: me.kind, org, capabilities };
}
