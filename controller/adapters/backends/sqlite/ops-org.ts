import type { OrgSettings } from "../../../model/index.js";
import {
  changedSettings,
  decide,
  inviteExpiryProblem,
  isInvitableRole,
  settingChange,
} from "../../../model/index.js";
import { requirePolicy } from "./authorize.js";
import type { Tx } from "./store-core.js";
import {
  actorLabel,
  appendAudit,
  ensureUser,
  findOrg,
  orgSettings,
  requireEmail,
  requireOrg,
} from "./store-core.js";
import { managedFlag, requireObserved } from "./preconditions.js";
import { storeError } from "./store-errors.js";
import type { WriteResult } from "./store-types.js";

// Kubernetes metadata.name rules (DNS-1123 subdomain): the Organization resource's name.
const SLUG = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/;

export function requireSlug(slug: unknown): string {
  if (typeof slug !== "string" || slug.length > 253 || !SLUG.test(slug)) {
    throw storeError(
      "invalid",
      `organization name ${JSON.stringify(slug)} is not valid: use lower-case letters, digits, "-" and "." (like acme or acme-eu)`,
    );
  }
  return slug;
}

/** Checks and normalises settings (domains lower-cased, de-duplicated, sorted). */
export function normaliseSettings(settings: OrgSettings): OrgSettings {
  const s = settings as Partial<OrgSettings> | undefined;
  if (typeof s?.displayName !== "string" || s.displayName.trim() === "") {
    throw storeError("invalid", "settings.displayName must be a non-empty string");
  }
  if (!Array.isArray(s.domains)) throw storeError("invalid", "settings.domains must be a list");
  const domains = [...new Set(s.domains.map((d) => String(d).trim().toLowerCase()))].sort();
  for (const d of domains) {
    if (!DOMAIN.test(d))
      throw storeError("invalid", `settings.domains: "${d}" is not a domain name`);
  }
  const auto = s.autoProvisioning;
  if (typeof auto?.enabled !== "boolean" || !isInvitableRole(auto.role)) {
    throw storeError(
      "invalid",
      "settings.autoProvisioning must be { enabled: true|false, role: admin|member } (R8)",
    );
  }
  const expiry = s.inviteExpirySeconds;
  const expiryProblem = inviteExpiryProblem(expiry);
  if (expiryProblem !== undefined || typeof expiry !== "number") {
    throw storeError("invalid", `settings.inviteExpirySeconds ${expiryProblem ?? ""}`);
  }
  return {
    displayName: s.displayName,
    domains,
    autoProvisioning: { enabled: auto.enabled, role: auto.role },
    inviteExpirySeconds: expiry,
  };
}

/**
 * Creates the organization with `ownerEmail` as its active owner at once: this is how the first
 * owner gets in (R2 holds from the first moment; there is no ownerless organization to claim).
 * An existing organization is left as it is (`noop`): settings change through updateOrganization
 * and owners through transferOwnership; with `expect: { absent }` it is a failed precondition.
 */
export function createOrganization(
  tx: Tx,
  slug: string,
  rawSettings: OrgSettings,
  rawOwner: string,
): WriteResult {
  requireSlug(slug);
  const settings = normaliseSettings(rawSettings);
  const owner = requireEmail(rawOwner, "owner email");
  // Nobody holds a role in an organization that does not exist yet: only the system creates one.
  const decision = decide(
    { role: tx.actor.kind === "system" ? "system" : "none" },
    { kind: "createOrganization", owner },
  );
  if (!decision.allowed) {
    throw storeError("forbidden", `${actorLabel(tx.actor)} ${decision.message}`);
  }
  const existing = findOrg(tx.sql, slug);
  requireObserved(
    tx,
    existing && { version: existing.settings_version },
    `the organization "${slug}"`,
  );
  if (existing) return { outcome: "noop", version: String(existing.settings_version) };
  const { lastInsertRowid } = tx.sql
    .get(
      `INSERT INTO organizations (slug, display_name, auto_provisioning_enabled, auto_provisioning_role, invite_expiry_seconds, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    )
    .run(
      slug,
      settings.displayName,
      settings.autoProvisioning.enabled ? 1 : 0,
      settings.autoProvisioning.role,
      settings.inviteExpirySeconds,
      tx.time,
    );
  const orgId = Number(lastInsertRowid);
  writeDomains(tx, orgId, settings.domains);
  ensureUser(tx, owner);
  tx.sql
    .get(
      "INSERT INTO memberships (org_id, email, role, since, managed) VALUES (?, ?, 'owner', ?, ?)",
    )
    .run(orgId, owner, tx.time, managedFlag(tx));
  appendAudit(tx, {
    org: slug,
    action: "createOrganization",
    target: slug,
    before: null,
    after: { settings, owner },
  });
  return { outcome: "applied", version: String(requireOrg(tx.sql, slug).settings_version) };
}

/** `expect` names the settings version; an applied change moves it (store-wide clock). */
export function updateOrganization(tx: Tx, slug: string, rawSettings: OrgSettings): WriteResult {
  // A stale plan about an organization deleted meanwhile is a failed precondition, not a 404.
  if (!findOrg(tx.sql, slug)) requireObserved(tx, undefined, `the organization "${slug}"`);
  const org = requireOrg(tx.sql, slug);
  const settings = normaliseSettings(rawSettings);
  const before = orgSettings(tx.sql, org);
  // Each changed field is judged on its own: domains and auto-provisioning as admin are the
  // owner's, the display name and the invitation expiry an admin's (model/policy.ts).
  const changes = changedSettings(settings, before).map((name) => settingChange(name, settings));
  requirePolicy(tx.sql, tx.actor, org, ...changes);
  requireObserved(tx, { version: org.settings_version }, `the settings of "${slug}"`);
  if (JSON.stringify(before) === JSON.stringify(settings)) {
    return { outcome: "noop", version: String(org.settings_version) };
  }
  const version = nextVersion(tx);
  tx.sql
    .get(
      `UPDATE organizations SET display_name = ?, auto_provisioning_enabled = ?, auto_provisioning_role = ?,
       invite_expiry_seconds = ?, settings_version = ? WHERE id = ?`,
    )
    .run(
      settings.displayName,
      settings.autoProvisioning.enabled ? 1 : 0,
      settings.autoProvisioning.role,
      settings.inviteExpirySeconds,
      version,
      org.id,
    );
  tx.sql.get("DELETE FROM organization_domains WHERE org_id = ?").run(org.id);
  writeDomains(tx, org.id, settings.domains);
  appendAudit(tx, {
    org: slug,
    action: "updateOrganization",
    target: slug,
    before,
    after: settings,
  });
  return { outcome: "applied", version: String(version) };
}

function nextVersion(tx: Tx): number {
  return (
    tx.sql.get("UPDATE record_clock SET value = value + 1 WHERE id = 1 RETURNING value").get() as {
      value: number;
    }
  ).value;
}

/** A domain belongs to at most one organization (R8): the first to claim it keeps it. */
function writeDomains(tx: Tx, orgId: number, domains: readonly string[]): void {
  const claimed = tx.sql.get("SELECT 1 FROM organization_domains WHERE domain = ? AND org_id <> ?");
  for (const domain of domains) {
    if (claimed.get(domain, orgId) !== undefined) {
      throw storeError(
        "conflict",
        `the domain ${domain} belongs to another organization: a domain belongs to at most one organization (R8); remove it from settings.domains`,
      );
    }
  }
  const insert = tx.sql.get("INSERT INTO organization_domains (domain, org_id) VALUES (?, ?)");
  for (const domain of domains) insert.run(domain, orgId);
}
