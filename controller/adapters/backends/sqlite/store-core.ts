import type { Statement } from "better-sqlite3";
import type { InvitableRole, OrgSettings, Role } from "../../../model/index.js";
import { isValidEmail, normalizeEmail } from "../../../model/index.js";
import type { SqliteDatabase } from "./database.js";
import { storeError } from "./store-errors.js";
import type { Actor, WriteOptions } from "./store-types.js";

export interface OrgRow {
  id: number;
  slug: string;
  display_name: string;
  auto_provisioning_enabled: number;
  auto_provisioning_role: InvitableRole;
  invite_expiry_seconds: number;
  created_at: string;
  settings_version: number;
}

export interface MembershipRow {
  email: string;
  role: Role;
  since: string;
  auto_provisioned: number;
  version: number;
  managed: number;
}

/** Prepared statements, cached: better-sqlite3 re-parses SQL on every prepare(). */
export class Sql {
  private readonly cache = new Map<string, Statement>();
  constructor(readonly db: SqliteDatabase) {}

  get(text: string): Statement {
    let statement = this.cache.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.cache.set(text, statement);
    }
    return statement;
  }
}

/** Everything one write transaction needs: one clock reading, the actor, the audit sink. */
export interface Tx {
  sql: Sql;
  /** ISO 8601, read once per transaction so every row of one write carries the same time. */
  time: string;
  now: Date;
  actor: Actor;
  options: WriteOptions;
}

export function actorLabel(actor: Actor): string {
  return actor.kind === "system" ? `system:${actor.name}` : `user:${actor.email}`;
}

export function appendAudit(
  tx: Tx,
  event: {
    org: string | null;
    action: string;
    target: string | null;
    before: unknown;
    after: unknown;
  },
): void {
  tx.sql
    .get(
      `INSERT INTO audit_events (time, org, actor, action, target, before_json, after_json, reason, revision)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      tx.time,
      event.org,
      actorLabel(tx.actor),
      event.action,
      event.target,
      event.before === undefined || event.before === null ? null : JSON.stringify(event.before),
      event.after === undefined || event.after === null ? null : JSON.stringify(event.after),
      tx.options.reason ?? null,
      tx.options.revision ?? null,
    );
}

export function findOrg(sql: Sql, slug: string): OrgRow | undefined {
  return sql.get("SELECT * FROM organizations WHERE slug = ?").get(slug) as OrgRow | undefined;
}

export function requireOrg(sql: Sql, slug: string): OrgRow {
  const row = findOrg(sql, slug);
  if (!row) throw storeError("not-found", `no organization "${slug}"`);
  return row;
}

export function orgDomains(sql: Sql, orgId: number): string[] {
  return (
    sql
      .get("SELECT domain FROM organization_domains WHERE org_id = ? ORDER BY domain")
      .all(orgId) as { domain: string }[]
  ).map((r) => r.domain);
}

export function orgSettings(sql: Sql, row: OrgRow): OrgSettings {
  return {
    displayName: row.display_name,
    domains: orgDomains(sql, row.id),
    autoProvisioning: {
      enabled: row.auto_provisioning_enabled === 1,
      role: row.auto_provisioning_role,
    },
    inviteExpirySeconds: row.invite_expiry_seconds,
  };
}

export function findMembership(sql: Sql, orgId: number, email: string): MembershipRow | undefined {
  return sql
    .get(
      "SELECT email, role, since, auto_provisioned, version, managed FROM memberships WHERE org_id = ? AND email = ?",
    )
    .get(orgId, email) as MembershipRow | undefined;
}

export function ownerOf(sql: Sql, orgId: number): string {
  const row = sql
    .get("SELECT email FROM memberships WHERE org_id = ? AND role = 'owner'")
    .get(orgId) as { email: string } | undefined;
  // Unreachable through the store (R2 is kept by every write); a hand-edited file may differ.
  if (!row) throw storeError("conflict", `organization #${orgId} has no owner (R2)`);
  return row.email;
}

export function ensureUser(tx: Tx, email: string): void {
  tx.sql
    .get("INSERT INTO users (email, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING")
    .run(email, tx.time);
}

/** Normalises an email (the identity key) and refuses one that is not an address. */
export function requireEmail(raw: unknown, what = "email"): string {
  if (typeof raw !== "string" || !isValidEmail(raw)) {
    throw storeError(
      "invalid",
      `${what} ${JSON.stringify(raw)} is not a valid email address (expected name@domain.tld)`,
    );
  }
  return normalizeEmail(raw);
}
