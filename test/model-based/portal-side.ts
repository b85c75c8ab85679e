import type { PortalStore } from "../../controller/adapters/backends/sqlite/store.js";
import type { Actor } from "../../controller/adapters/backends/sqlite/store-types.js";
import type { ActualOrganization } from "../../controller/model/index.js";
import type { PortalEdit } from "./model.js";
import type { Declared } from "./model.js";
import type { PortalWriter } from "./portal-writers.js";
import { ORGS, pick, POOL } from "./model.js";

const SYSTEM: Actor = { kind: "system", name: "mbt-portal" };

/** A credential handed to a member when they joined: R6 says removal revokes it at once. */
export interface Credential {
  org: string;
  email: string;
  keyId: number;
  key: string;
  session: string;
  /** Set once the member was seen gone from `org`: from then on both must stay dead. */
  mustBeRevoked: boolean;
}

/**
 * The other side of the Portal: people editing the team as the org's owner (through the store's
 * API, or over the Portal API with the owner's key: see portal-writers.ts) and invitees accepting. Each edit
 * picks its target among what the store holds right now; an edit with nothing to act on is
 * skipped (and says so in the trace).
 */
export class PortalSide {
  readonly credentials: Credential[] = [];
  /**
   * Per org, emails whose record the Portal made and no pass has seen declared: Roster does not
   * manage them, so `unmanaged: report` must leave them alone.
   */
  readonly unmanaged = new Map<string, Set<string>>();
  /** Seen declared by a pass that may not have got to marking them (killed, raced): either way. */
  readonly maybeManaged = new Map<string, Set<string>>();
  /** Told when a record leaves the unmanaged sets (the Portal removed it, or Roster took it over). */
  onForget?: (org: string, email: string) => void;

  constructor(
    private readonly store: PortalStore,
    private readonly orgCount: number,
    private readonly writer: PortalWriter,
  ) {}

  snapshot(org: string): ActualOrganization | null {
    return this.store.snapshot(org);
  }

  /** Returns what was done, for the trace. */
  async edit(edit: PortalEdit): Promise<string> {
    const org = ORGS[edit.org % this.orgCount]!;
    const snap = this.store.snapshot(org);
    if (!snap) return `${org} does not exist yet: skipped`;
    const owner = snap.members.find((m) => m.role === "owner")?.email;
    if (!owner) return `${org} has no owner: skipped`;
    const others = snap.members.filter((m) => m.role !== "owner").map((m) => m.email);
    const pending = snap.invitations.filter((i) => i.status === "pending").map((i) => i.email);
    const reason = { reason: "accepted" };
    switch (edit.kind) {
      case "role": {
        const email = pick(others, edit.pick);
        if (!email) return `${org}: no member to change: skipped`;
        await this.writer.changeRole(org, owner, email, edit.role);
        return `${org}: ${owner} made ${email} ${edit.role}`;
      }
      case "remove": {
        const email = pick(others, edit.pick);
        if (!email) return `${org}: no member to remove: skipped`;
        this.forget(org, email);
        await this.writer.remove(org, owner, email);
        return `${org}: ${owner} removed ${email}`;
      }
      case "cancel": {
        const email = pick(pending, edit.pick);
        if (!email) return `${org}: no invitation to cancel: skipped`;
        this.forget(org, email);
        await this.writer.cancel(org, owner, email);
        return `${org}: ${owner} cancelled the invitation of ${email}`;
      }
      case "transfer": {
        const email = pick(others, edit.pick);
        if (!email) return `${org}: nobody to transfer to: skipped`;
        await this.writer.transfer(org, owner, email);
        return `${org}: ${owner} transferred ownership to ${email}`;
      }
      case "settings": {
        const settings = { ...snap.settings, displayName: "Renamed in the Portal" };
        await this.writer.rename(org, owner, settings);
        return `${org}: ${owner} renamed it`;
      }
      case "invite": {
        const email = POOL[edit.email % POOL.length]!;
        if (snap.members.some((m) => m.email === email) || pending.includes(email)) {
          return `${org}: ${email} is already there: skipped`;
        }
        await this.writer.invite(org, owner, email, edit.role);
        setOf(this.unmanaged, org).add(email);
        return `${org}: ${owner} invited ${email} as ${edit.role} in the Portal`;
      }
      case "accept": {
        const email = pick(pending, edit.pick);
        if (!email) return `${org}: no invitation to accept: skipped`;
        this.store.acceptInvitationByEmail(SYSTEM, org, email, reason);
        this.handOutCredentials(org, email);
        return `${org}: ${email} accepted`;
      }
    }
  }

  /** A pass is starting over `declared`: the Portal's records it declares may get marked. */
  passStarting(declared: Declared): void {
    for (const org of declared) {
      for (const email of [...setOf(this.unmanaged, org.name)]) {
        if (!(email in org.members)) continue;
        this.onForget?.(org.name, email);
        this.unmanaged.get(org.name)?.delete(email);
        setOf(this.maybeManaged, org.name).add(email);
      }
    }
  }

  /** A pass over `declared` completed undisturbed: every declared record is Roster's now. */
  quietPassDone(declared: Declared): void {
    for (const org of declared) {
      for (const email of Object.keys(org.members)) this.forget(org.name, email);
    }
  }

  /** An undeclared record the Portal made: Roster may (maybe) not manage it, so it may stay. */
  mayStay(org: string, email: string): boolean {
    return (
      (this.unmanaged.get(org)?.has(email) ?? false) ||
      (this.maybeManaged.get(org)?.has(email) ?? false)
    );
  }

  private forget(org: string, email: string): void {
    this.onForget?.(org, email);
    this.unmanaged.get(org)?.delete(email);
    this.maybeManaged.get(org)?.delete(email);
  }

  /** The new member signs in and makes a personal API key: there is something to revoke. */
  private handOutCredentials(org: string, email: string): void {
    const { sessionToken } = this.store.signIn(email, { reason: "mbt sign-in" });
    const created = this.store.createApiKey(SYSTEM, org, email, { reason: "mbt key" });
    this.credentials.push({
      org,
      email,
      keyId: created.id,
      key: created.key,
      session: sessionToken,
      mustBeRevoked: false,
    });
  }
}

function setOf(map: Map<string, Set<string>>, key: string): Set<string> {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  return set;
}
