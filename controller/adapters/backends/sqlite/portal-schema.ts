import type { Migration } from "./migrations.js";

// Emails are the identity key (DESIGN: compared case-insensitively). The store writes them
// normalised; the CHECK keeps any other writer of the file honest. SQLite's lower() folds
// ASCII only, which is enough to reject a value that was not lower-cased at all.
const NORMALISED_EMAIL = "CHECK (email = lower(trim(email)) AND email <> '')";

const V1 = `
CREATE TABLE organizations (
  id INTEGER PRIMARY KEY,
  slug TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  auto_provisioning_enabled INTEGER NOT NULL DEFAULT 0 CHECK (auto_provisioning_enabled IN (0, 1)),
  auto_provisioning_role TEXT NOT NULL DEFAULT 'member'
    CHECK (auto_provisioning_role IN ('admin', 'member')),
  invite_expiry_seconds INTEGER NOT NULL CHECK (invite_expiry_seconds > 0),
  created_at TEXT NOT NULL
) STRICT;

-- R8: sign-in looks organizations up by the email's domain.
CREATE TABLE organization_domains (
  domain TEXT NOT NULL CHECK (domain = lower(domain) AND domain <> ''),
  org_id INTEGER NOT NULL REFERENCES organizations (id),
  PRIMARY KEY (domain, org_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX organization_domains_by_org ON organization_domains (org_id);

CREATE TABLE users (
  email TEXT PRIMARY KEY ${NORMALISED_EMAIL},
  created_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- Keyed by (org, email) so a snapshot or a page of members is one range scan in email order.
CREATE TABLE memberships (
  org_id INTEGER NOT NULL REFERENCES organizations (id),
  email TEXT NOT NULL REFERENCES users (email),
  role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
  since TEXT NOT NULL,
  auto_provisioned INTEGER NOT NULL DEFAULT 0 CHECK (auto_provisioned IN (0, 1)),
  PRIMARY KEY (org_id, email)
) STRICT, WITHOUT ROWID;
-- R2 in the schema: at most one owner per organization, whoever writes the file.
CREATE UNIQUE INDEX memberships_one_owner ON memberships (org_id) WHERE role = 'owner';
CREATE INDEX memberships_by_email ON memberships (email);
-- R2: the owner leaves only through a transfer, which first makes them an admin.
CREATE TRIGGER memberships_owner_stays BEFORE DELETE ON memberships WHEN OLD.role = 'owner'
BEGIN
  SELECT RAISE(ABORT, 'R2: the owner cannot be removed; transfer ownership first');
END;

-- R7: an invitation carries admin or member; only its SHA-256 token hash is stored.
CREATE TABLE invitations (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES organizations (id),
  email TEXT NOT NULL ${NORMALISED_EMAIL},
  role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
  token_hash TEXT NOT NULL UNIQUE,
  invited_by TEXT NOT NULL,
  sent_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'cancelled')),
  closed_at TEXT
) STRICT;
CREATE UNIQUE INDEX invitations_one_pending ON invitations (org_id, email) WHERE status = 'pending';
CREATE INDEX invitations_pending_by_email ON invitations (email) WHERE status = 'pending';

CREATE TABLE sessions (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL REFERENCES users (email),
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  revoked_at TEXT
) STRICT;
CREATE INDEX sessions_active_by_email ON sessions (email) WHERE revoked_at IS NULL;

CREATE TABLE api_keys (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES organizations (id),
  email TEXT NOT NULL REFERENCES users (email),
  key_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT
) STRICT;
CREATE INDEX api_keys_active ON api_keys (org_id, email) WHERE revoked_at IS NULL;

-- Append-only; org is the slug (NULL for user-level events such as a plain sign-in).
CREATE TABLE audit_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time TEXT NOT NULL,
  org TEXT,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT,
  before_json TEXT,
  after_json TEXT,
  reason TEXT,
  revision TEXT
) STRICT;
CREATE INDEX audit_events_by_org ON audit_events (org, id);

-- A retried write carrying the same key has no second effect (see store.ts, write()).
CREATE TABLE idempotency (
  key TEXT PRIMARY KEY,
  request_hash TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('applied', 'noop')),
  result_json TEXT,
  created_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX idempotency_by_age ON idempotency (created_at);
`;

// Conditional writes and managed marks (DESIGN: writes are conditional on what was observed;
// the controller's memory lives in the backend). Versions come from one store-wide clock, so a
// record that is deleted and created again never shows a version it had before (no ABA).
// Triggers stamp memberships and invitations whoever writes the file; a managed mark is not a
// change of the record (a plan that saw it unmarked is not stale). Settings span two tables and
// change in one place (updateOrganization), which bumps settings_version itself.
const V2 = `
CREATE TABLE record_clock (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  value INTEGER NOT NULL
) STRICT;
INSERT INTO record_clock (id, value) VALUES (1, 0);

ALTER TABLE memberships ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE memberships ADD COLUMN managed INTEGER NOT NULL DEFAULT 0 CHECK (managed IN (0, 1));
ALTER TABLE invitations ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE invitations ADD COLUMN managed INTEGER NOT NULL DEFAULT 0 CHECK (managed IN (0, 1));
ALTER TABLE organizations ADD COLUMN settings_version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER memberships_version_on_insert AFTER INSERT ON memberships
BEGIN
  UPDATE record_clock SET value = value + 1 WHERE id = 1;
  UPDATE memberships SET version = (SELECT value FROM record_clock WHERE id = 1)
    WHERE org_id = NEW.org_id AND email = NEW.email;
END;
CREATE TRIGGER memberships_version_on_update AFTER UPDATE OF role, since, auto_provisioned ON memberships
BEGIN
  UPDATE record_clock SET value = value + 1 WHERE id = 1;
  UPDATE memberships SET version = (SELECT value FROM record_clock WHERE id = 1)
    WHERE org_id = NEW.org_id AND email = NEW.email;
END;
CREATE TRIGGER invitations_version_on_insert AFTER INSERT ON invitations
BEGIN
  UPDATE record_clock SET value = value + 1 WHERE id = 1;
  UPDATE invitations SET version = (SELECT value FROM record_clock WHERE id = 1) WHERE id = NEW.id;
END;
CREATE TRIGGER invitations_version_on_update
AFTER UPDATE OF role, token_hash, invited_by, sent_at, expires_at, status ON invitations
BEGIN
  UPDATE record_clock SET value = value + 1 WHERE id = 1;
  UPDATE invitations SET version = (SELECT value FROM record_clock WHERE id = 1) WHERE id = NEW.id;
END;
`;

// The transactional outbox (docs/portal-store.md "Invitation mail"): an invitation and its mail
// job commit together. `message_json` holds the link-bearing message, and so the one-time token,
// only while the job is pending: delivering, failing or superseding a job blanks it.
const MAIL_JOBS = `
CREATE TABLE mail_jobs (
  id TEXT PRIMARY KEY,
  org TEXT NOT NULL,
  email TEXT NOT NULL ${NORMALISED_EMAIL},
  invitation_id INTEGER NOT NULL REFERENCES invitations (id),
  kind TEXT NOT NULL CHECK (kind IN ('invite', 'resend')),
  status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'delivered', 'failed', 'superseded')),
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_error TEXT,
  last_error_kind TEXT,
  next_attempt_at TEXT NOT NULL,
  claimed_by TEXT,
  claimed_until TEXT,
  message_json TEXT,
  created_at TEXT NOT NULL,
  delivered_at TEXT,
  CHECK (status = 'pending' OR message_json IS NULL)
) STRICT;
CREATE INDEX mail_jobs_pending ON mail_jobs (next_attempt_at) WHERE status = 'pending';
CREATE INDEX mail_jobs_by_invitation ON mail_jobs (invitation_id);
`;

// R8: a domain belongs to at most one organization. Claims made before this rule are resolved
// for the organization that made its claim first; each later claim is released with an audit
// event saying why. Invitations are looked up by their inviter to cancel them when the
// inviter leaves or loses admin.
const DOMAINS_ONE_ORG = `
INSERT INTO audit_events (time, org, actor, action, target, before_json, after_json, reason, revision)
SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), o.slug, 'system:migration', 'releaseDomain', d.domain,
       json_object('domain', d.domain), NULL,
       'a domain belongs to at most one organization; ' ||
         (SELECT o2.slug FROM organizations o2 WHERE o2.id =
           (SELECT min(d2.org_id) FROM organization_domains d2 WHERE d2.domain = d.domain)) ||
         ' claimed it first',
       NULL
FROM organization_domains d JOIN organizations o ON o.id = d.org_id
WHERE d.org_id > (SELECT min(d2.org_id) FROM organization_domains d2 WHERE d2.domain = d.domain);
DELETE FROM organization_domains
WHERE org_id > (SELECT min(d2.org_id) FROM organization_domains d2
                WHERE d2.domain = organization_domains.domain);
CREATE UNIQUE INDEX organization_domains_one_org ON organization_domains (domain);
CREATE INDEX invitations_pending_by_inviter ON invitations (org_id, invited_by)
  WHERE status = 'pending';
`;

/** The Portal store's schema history, tracked in `PRAGMA user_version`. */
export const PORTAL_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description:
      "organizations, users, memberships, invitations, sessions, API keys, audit, idempotency",
    sql: V1,
  },
  {
    version: 2,
    description: "record versions (conditional writes), managed marks, settings version",
    sql: V2,
  },
  { version: 3, description: "mail_jobs: the invitation mail outbox", sql: MAIL_JOBS },
  {
    version: 4,
    description:
      "a domain belongs to at most one organization; pending invitations indexed by inviter",
    sql: DOMAINS_ONE_ORG,
  },
];
