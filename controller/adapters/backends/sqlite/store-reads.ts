import type { ActualOrganization, Capabilities } from "../../../model/index.js";
import { allows, capabilitiesOf } from "../../../model/index.js";
import { authorityIn, requirePolicy } from "./authorize.js";
import * as access from "./ops-access.js";
import * as queries from "./queries.js";
import { StoreBase } from "./store-base.js";
import type { OrgRow } from "./store-core.js";
import { findOrg, requireOrg } from "./store-core.js";
import type {
  Actor,
  ApiKeyInfo,
  ApiKeyPrincipal,
  AuditEvent,
  InvitationView,
  MemberView,
  OrganizationView,
  Page,
  PageRequest,
} from "./store-types.js";

/** PortalStore's reads, each authorized for the actor (R9) and run as one consistent snapshot. */
export abstract class PortalReads extends StoreBase {
  authenticateApiKey(key: string): ApiKeyPrincipal | null {
    return access.authenticateApiKey(this.sql, key);
  }

  authenticateSession(token: string): { email: string } | null {
    return access.authenticateSession(this.sql, token);
  }

  /** null when there is no such organization. A user must be a member of it. */
  organization(actor: Actor, org: string): OrganizationView | null {
    return this.read(() => {
      const row = findOrg(this.sql, org);
      if (!row) return null;
      authorityIn(this.sql, actor, row);
      return queries.organizationView(this.sql, row);
    });
  }

  /** Every organization for the system actor; a user's own ones otherwise. By name. */
  listOrganizations(actor: Actor): OrganizationView[] {
    return this.read(() => {
      const rows = (
        actor.kind === "system"
          ? this.sql.get("SELECT * FROM organizations ORDER BY slug").all()
          : this.sql
              .get(
                `SELECT o.* FROM organizations o JOIN memberships m ON m.org_id = o.id
                 WHERE m.email = ? ORDER BY o.slug`,
              )
              .all(actor.email)
      ) as OrgRow[];
      const scope = actor.kind === "user" ? actor.org : undefined;
      return rows
        .filter((r) => scope === undefined || r.slug === scope)
        .map((r) => queries.organizationView(this.sql, r));
    });
  }

  /** Any member may see the team list; pages of at most 200, in email order. */
  listMembers(actor: Actor, org: string, page: PageRequest = {}): Page<MemberView> {
    return this.read(() => {
      const row = requireOrg(this.sql, org);
      requirePolicy(this.sql, actor, row, { kind: "read", what: "members" });
      return queries.listMembers(this.sql, row, page);
    });
  }

  /** Open invitations (pending or expired): team management, for admins and the owner (R3). */
  listInvitations(actor: Actor, org: string, page: PageRequest = {}): Page<InvitationView> {
    return this.read(() => {
      const row = requireOrg(this.sql, org);
      requirePolicy(this.sql, actor, row, { kind: "read", what: "invitations" });
      return queries.listInvitations(this.sql, row, page, this.now());
    });
  }

  /** Newest first. R9: "View audit logs" is for admins and the owner. */
  listAudit(actor: Actor, org: string, page: PageRequest = {}): Page<AuditEvent> {
    return this.read(() => {
      const row = requireOrg(this.sql, org);
      requirePolicy(this.sql, actor, row, { kind: "read", what: "audit" });
      return queries.listAudit(this.sql, row, page);
    });
  }

  /** A member sees their own keys; admins and the owner see everyone's (R3). */
  listApiKeys(actor: Actor, org: string): ApiKeyInfo[] {
    return this.read(() => {
      const row = requireOrg(this.sql, org);
      const authority = authorityIn(this.sql, actor, row);
      const onlyOwn =
        actor.kind === "user" &&
        !allows({ role: authority, identity: actor.email }, { kind: "read", what: "api-keys" });
      return access.listApiKeys(this.sql, row, onlyOwn ? actor.email : undefined);
    });
  }

  /** What the actor may do in `org` (R3–R5), from its current role; a user's own email. */
  capabilities(actor: Actor, org: string): Capabilities {
    return this.read(() =>
      capabilitiesOf(
        authorityIn(this.sql, actor, requireOrg(this.sql, org)),
        actor.kind === "user" ? actor.email : undefined,
      ),
    );
  }

  /** The planner's view of one organization (system authority); null when it does not exist. */
  snapshot(org: string): ActualOrganization | null {
    return this.read(() => {
      const row = findOrg(this.sql, org);
      return row ? queries.snapshot(this.sql, row, this.now()) : null;
    });
  }
}
