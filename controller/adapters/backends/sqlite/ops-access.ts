import type { Role } from "../../../model/index.js";
import { emailDomain } from "../../../model/index.js";
import { requirePolicy } from "./authorize.js";
import type { InvitationRow } from "./ops-invite.js";
import { acceptRow, isExpired } from "./ops-invite.js";
import type { OrgRow, Sql, Tx } from "./store-core.js";
import { appendAudit, ensureUser, findMembership, requireEmail, requireOrg } from "./store-core.js";
import { storeError } from "./store-errors.js";
import type {
  ApiKeyInfo,
  ApiKeyPrincipal,
  CreatedApiKey,
  SignInResult,
  WriteResult,
} from "./store-types.js";
import { TOKEN_PREFIX, hashToken, keyPrefix, newToken } from "./tokens.js";

/**
 * A sign-in (the Portal's "Sign in with Google", trusted here): opens a session, links every
 * live pending invitation with its role (R7), then auto-provisions the user into each
 * organization whose domains match the email's domain and that enables it, with the
 * configured role (R8). An invitation's role wins over auto-provisioning.
 */
export function signIn(tx: Tx, rawEmail: string): SignInResult {
  const email = requireEmail(rawEmail);
  ensureUser(tx, email);
  const sessionToken = newToken(TOKEN_PREFIX.session);
  tx.sql
    .get("INSERT INTO sessions (email, token_hash, created_at) VALUES (?, ?, ?)")
    .run(email, hashToken(sessionToken), tx.time);
  appendAudit(tx, { org: null, action: "signIn", target: email, before: null, after: null });

  const joined: SignInResult["joined"] = [];
  const invitations = tx.sql
    .get(
      `SELECT i.*, o.slug FROM invitations i JOIN organizations o ON o.id = i.org_id
       WHERE i.email = ? AND i.status = 'pending' ORDER BY o.slug`,
    )
    .all(email) as (InvitationRow & { slug: string })[];
  for (const row of invitations) {
    if (isExpired(row, tx.now)) continue;
    const wasMember = findMembership(tx.sql, row.org_id, email) !== undefined;
    const accepted = acceptRow(tx, requireOrg(tx.sql, row.slug), row);
    if (!wasMember) joined.push({ org: accepted.org, role: accepted.role, via: "invitation" });
  }

  const provisioning = tx.sql
    .get(
      `SELECT o.* FROM organization_domains d JOIN organizations o ON o.id = d.org_id
       WHERE d.domain = ? AND o.auto_provisioning_enabled = 1 ORDER BY o.slug`,
    )
    .all(emailDomain(email)) as OrgRow[];
  for (const org of provisioning) {
    if (findMembership(tx.sql, org.id, email)) continue;
    tx.sql
      .get(
        "INSERT INTO memberships (org_id, email, role, since, auto_provisioned) VALUES (?, ?, ?, ?, 1)",
      )
      .run(org.id, email, org.auto_provisioning_role, tx.time);
    appendAudit(tx, {
      org: org.slug,
      action: "autoProvision",
      target: email,
      before: null,
      after: { role: org.auto_provisioning_role, domain: emailDomain(email) },
    });
    joined.push({ org: org.slug, role: org.auto_provisioning_role, via: "auto-provisioning" });
  }
  const memberships = tx.sql
    .get(
      `SELECT o.slug AS org, m.role FROM memberships m JOIN organizations o ON o.id = m.org_id
       WHERE m.email = ? ORDER BY o.slug`,
    )
    .all(email) as { org: string; role: Role }[];
  return { email, sessionToken, joined, memberships };
}

interface ApiKeyRow {
  id: number;
  org_id: number;
  email: string;
  prefix: string;
  created_at: string;
  revoked_at: string | null;
}

function keyInfo(row: ApiKeyRow, org: string): ApiKeyInfo {
  const info: ApiKeyInfo = {
    id: row.id,
    org,
    email: row.email,
    prefix: row.prefix,
    createdAt: row.created_at,
  };
  if (row.revoked_at) info.revokedAt = row.revoked_at;
  return info;
}

/**
 * A personal API key of an active member. A user may create keys for themselves only, and
 * only with the "Create API keys" permission (R9); the system actor (the CLI bootstrap) may
 * create one for any active member.
 */
export function createApiKey(tx: Tx, slug: string, rawEmail: string): CreatedApiKey & WriteResult {
  const org = requireOrg(tx.sql, slug);
  const email = requireEmail(rawEmail);
  requirePolicy(tx.sql, tx.actor, org, { kind: "createApiKey", holder: email });
  const member = findMembership(tx.sql, org.id, email);
  if (!member) throw storeError("not-found", `${email} is not an active member of "${slug}"`);
  const key = newToken(TOKEN_PREFIX.apiKey);
  const { lastInsertRowid } = tx.sql
    .get(
      "INSERT INTO api_keys (org_id, email, key_hash, prefix, created_at) VALUES (?, ?, ?, ?, ?)",
    )
    .run(org.id, email, hashToken(key), keyPrefix(key), tx.time);
  const row = tx.sql.get("SELECT * FROM api_keys WHERE id = ?").get(lastInsertRowid) as ApiKeyRow;
  appendAudit(tx, {
    org: slug,
    action: "createApiKey",
    target: email,
    before: null,
    after: { id: row.id, prefix: row.prefix },
  });
  return { outcome: "applied", ...keyInfo(row, slug), key };
}

/** The key's holder may revoke it, and so may the owner: an admin may not lock out others. */
export function revokeApiKey(tx: Tx, slug: string, id: number): WriteResult {
  const org = requireOrg(tx.sql, slug);
  const row = tx.sql.get("SELECT * FROM api_keys WHERE id = ? AND org_id = ?").get(id, org.id) as
    | ApiKeyRow
    | undefined;
  if (!row) throw storeError("not-found", `no API key #${id} in "${slug}"`);
  requirePolicy(tx.sql, tx.actor, org, { kind: "revokeApiKey", holder: row.email });
  if (row.revoked_at) return { outcome: "noop" };
  tx.sql.get("UPDATE api_keys SET revoked_at = ? WHERE id = ?").run(tx.time, id);
  appendAudit(tx, {
    org: slug,
    action: "revokeApiKey",
    target: row.email,
    before: { id, prefix: row.prefix },
    after: { revoked: true },
  });
  return { outcome: "applied" };
}

export function listApiKeys(sql: Sql, org: OrgRow, email?: string): ApiKeyInfo[] {
  const rows = (
    email === undefined
      ? sql.get("SELECT * FROM api_keys WHERE org_id = ? ORDER BY id").all(org.id)
      : sql
          .get("SELECT * FROM api_keys WHERE org_id = ? AND email = ? ORDER BY id")
          .all(org.id, email)
  ) as ApiKeyRow[];
  return rows.map((r) => keyInfo(r, org.slug));
}

/** null for an unknown or revoked key, or a key whose user is no longer a member (R6). */
export function authenticateApiKey(sql: Sql, key: string): ApiKeyPrincipal | null {
  if (typeof key !== "string" || !key.startsWith(TOKEN_PREFIX.apiKey)) return null;
  const row = sql
    .get(
      `SELECT k.id AS keyId, o.slug AS org, k.email, m.role FROM api_keys k
       JOIN organizations o ON o.id = k.org_id
       JOIN memberships m ON m.org_id = k.org_id AND m.email = k.email
       WHERE k.key_hash = ? AND k.revoked_at IS NULL`,
    )
    .get(hashToken(key)) as ApiKeyPrincipal | undefined;
  return row ?? null;
}

export function authenticateSession(sql: Sql, token: string): { email: string } | null {
  if (typeof token !== "string" || !token.startsWith(TOKEN_PREFIX.session)) return null;
  const row = sql
    .get("SELECT email FROM sessions WHERE token_hash = ? AND revoked_at IS NULL")
    .get(hashToken(token)) as { email: string } | undefined;
  return row ?? null;
}
