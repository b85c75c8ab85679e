/**
 * An in-memory `IdentityBackend` for tests: the Portal's rules without a database.
 *
 * - Every method of controller/model/backend.ts, idempotent the way the contract asks: repeating
 *   a write whose effect is already there answers `noop` (a resend carrying the same
 *   idempotency key as the last one does too).
 * - `snapshot(org)` returns the `ActualOrganization` shape (sorted, copies; an invitation whose
 *   `expiresAt` is past the clock is `expired`).
 * - Capabilities are configurable per org (`setCapabilities`) and ENFORCED: a write the
 *   credential may not do throws `BackendError("forbidden")`, like a real Portal answering 403.
 * - R2 watch: every applied write (and every accepted invite or sign-in) appends the org's
 *   owner count to `ownerCountHistory(org)`; a write that changes the count to 0 or 2+
 *   (unless it moves a backend that started broken closer to one owner) is recorded in
 *   `invariantErrors`. The write itself still happens, so a test sees what a bad plan did.
 * - Users' side: `acceptInvite`, `signIn` (links an invite or auto-provisions, R8),
 *   `expireInvite`, `setDomainUsers` (a Google-like directory).
 * - Faults: `failWhen` throws a chosen error before (or after) a matching write commits.
 * - `writes` logs every call with its outcome; `outbox` every invitation mail "sent".
 */
import type {
  ActualOrganization,
  Capabilities,
  IdentityBackend,
  InvitableRole,
  OrgSettings,
  Role,
  WriteContext,
  WriteOutcome,
} from "../../controller/model/index.js";
import {
  BackendError,
  FULL_CAPABILITIES,
  isInDomains,
  normalizeEmail,
} from "../../controller/model/index.js";
import type {
  Fault,
  Invitation,
  MailRecord,
  OrgState,
  WriteCall,
  WriteRecord,
} from "./memory-backend-support.js";
import { authorize, ownerCount } from "./memory-backend-support.js";

export type { MailRecord, WriteCall, WriteRecord } from "./memory-backend-support.js";

export interface MemoryBackendOptions {
  /** The clock for `since`, `sentAt`, expiry. Default: the real time. */
  now?: () => Date;
  /** Capabilities of orgs without their own `setCapabilities` (default: full). */
  capabilities?: Capabilities;
}

export class MemoryBackend implements IdentityBackend {
  readonly describe = "memory";
  readonly writes: WriteRecord[] = [];
  readonly outbox: MailRecord[] = [];
  readonly invariantErrors: string[] = [];
  private readonly orgs = new Map<string, OrgState>();
  private readonly caps = new Map<string, Capabilities>();
  private readonly faults: Fault[] = [];
  private readonly now: () => Date;
  private readonly defaultCaps: Capabilities;

  constructor(options: MemoryBackendOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.defaultCaps = options.capabilities ?? FULL_CAPABILITIES;
  }

  // ---- test set-up and the users' side -------------------------------------------------------

  /** Replaces an org's whole state (any owner count allowed: a backend may start broken). */
  seed(actual: ActualOrganization): void {
    const state: OrgState = {
      settings: structuredClone(actual.settings),
      members: new Map(actual.members.map((m) => [normalizeEmail(m.email), { ...m }])),
      invitations: new Map(
        actual.invitations.map((i) => [
          normalizeEmail(i.email),
          { role: i.role, sentAt: i.sentAt, expiresAt: i.expiresAt },
        ]),
      ),
      ownerHistory: [],
      ...(actual.domainUsers ? { domainUsers: new Set(actual.domainUsers) } : {}),
    };
    // A seeded invitation marked expired whose date is still ahead is expired all the same.
    for (const i of actual.invitations) {
      if (i.status === "expired" && Date.parse(i.expiresAt) > this.now().getTime()) {
        state.invitations.get(normalizeEmail(i.email))!.expiresAt = this.pastIso();
      }
    }
    state.ownerHistory.push(ownerCount(state));
    this.orgs.set(actual.name, state);
  }

  setCapabilities(org: string, caps: Partial<Capabilities>): void {
    this.caps.set(org, { ...this.defaultCaps, ...caps });
  }

  /** undefined: the backend has no directory (as the embedded store). */
  setDomainUsers(org: string, emails: readonly string[] | undefined): void {
    const state = this.mustOrg(org);
    if (emails === undefined) delete state.domainUsers;
    else state.domainUsers = new Set(emails.map(normalizeEmail));
  }

  /** The invited user accepts: the pending invitation becomes a membership with its role. */
  acceptInvite(org: string, email: string): void {
    const state = this.mustOrg(org);
    const key = normalizeEmail(email);
    const inv = state.invitations.get(key);
    if (!inv) throw new Error(`memory backend: no invitation for ${key} in ${org}`);
    if (this.isExpired(inv)) throw new Error(`memory backend: invitation of ${key} expired`);
    state.invitations.delete(key);
    state.members.set(key, { email: key, role: inv.role, since: this.nowIso() });
    this.recordOwners(org, state, "acceptInvite", key);
  }

  /** R7/R8 sign-in: links a pending invitation, else auto-provisions a matching domain. */
  signIn(org: string, email: string): "member" | "linked" | "provisioned" | "refused" {
    const state = this.mustOrg(org);
    const key = normalizeEmail(email);
    if (state.members.has(key)) return "member";
    const inv = state.invitations.get(key);
    if (inv && !this.isExpired(inv)) {
      this.acceptInvite(org, key);
      return "linked";
    }
    const ap = state.settings.autoProvisioning;
    if (!ap.enabled || !isInDomains(key, state.settings.domains)) return "refused";
    state.members.set(key, {
      email: key,
      role: ap.role,
      since: this.nowIso(),
      autoProvisioned: true,
    });
    this.recordOwners(org, state, "signIn", key);
    return "provisioned";
  }

  expireInvite(org: string, email: string): void {
    const inv = this.mustOrg(org).invitations.get(normalizeEmail(email));
    if (!inv) throw new Error(`memory backend: no invitation for ${email} in ${org}`);
    inv.expiresAt = this.pastIso();
  }

  /** The owner count after seeding/creation and after every membership write. */
  ownerCountHistory(org: string): number[] {
    return [...(this.orgs.get(org)?.ownerHistory ?? [])];
  }

  /** Throws `error` for the next `times` writes matching `matches` (after committing if asked). */
  failWhen(
    matches: (call: WriteCall) => boolean,
    error: Error,
    options: { afterCommit?: boolean; times?: number } = {},
  ): void {
    this.faults.push({
      matches,
      error,
      afterCommit: options.afterCommit ?? false,
      remaining: options.times ?? 1,
    });
  }

  // ---- IdentityBackend: reads ----------------------------------------------------------------

  listOrganizations(): Promise<string[]> {
    return Promise.resolve([...this.orgs.keys()].sort());
  }

  snapshot(org: string): Promise<ActualOrganization | null> {
    const state = this.orgs.get(org);
    if (!state) return Promise.resolve(null);
    const byEmail = (a: { email: string }, b: { email: string }) =>
      a.email < b.email ? -1 : a.email > b.email ? 1 : 0;
    const actual: ActualOrganization = {
      name: org,
      settings: structuredClone(state.settings),
      members: [...state.members.values()].map((m) => ({ ...m })).sort(byEmail),
      invitations: [...state.invitations.entries()]
        .map(([email, i]) => ({
          email,
          role: i.role,
          sentAt: i.sentAt,
          expiresAt: i.expiresAt,
          status: this.isExpired(i) ? ("expired" as const) : ("pending" as const),
        }))
        .sort(byEmail),
    };
    if (state.domainUsers) actual.domainUsers = [...state.domainUsers].sort();
    return Promise.resolve(actual);
  }

  capabilities(org: string): Promise<Capabilities> {
    return Promise.resolve({ ...(this.caps.get(org) ?? this.defaultCaps) });
  }

  // ---- IdentityBackend: writes ---------------------------------------------------------------

  createOrganization(
    org: string,
    settings: OrgSettings,
    ownerEmail: string,
    ctx: WriteContext,
  ): Promise<WriteOutcome> {
    return this.write({ action: "createOrganization", org, email: ownerEmail }, ctx, () => {
      if (this.orgs.has(org)) return "noop";
      const owner = normalizeEmail(ownerEmail);
      const state: OrgState = {
        settings: structuredClone(settings),
        members: new Map([[owner, { email: owner, role: "owner", since: this.nowIso() }]]),
        invitations: new Map(),
        ownerHistory: [],
      };
      this.orgs.set(org, state);
      return "applied";
    });
  }

  updateOrganization(org: string, settings: OrgSettings, ctx: WriteContext) {
    return this.write({ action: "updateOrganization", org }, ctx, () => {
      const state = this.mustOrg(org);
      if (JSON.stringify(state.settings) === JSON.stringify(settings)) return "noop";
      state.settings = structuredClone(settings);
      return "applied";
    });
  }

  invite(org: string, email: string, role: InvitableRole, ctx: WriteContext) {
    const key = normalizeEmail(email);
    return this.write({ action: "invite", org, email: key, role }, ctx, () => {
      const state = this.mustOrg(org);
      if (state.members.has(key)) {
        throw new BackendError("conflict", `${key} is already a member of ${org}`);
      }
      const inv = state.invitations.get(key);
      if (inv && inv.role === role && !this.isExpired(inv)) return "noop";
      state.invitations.set(key, this.newInvitation(state, role, ctx));
      this.outbox.push({ org, email: key, role, kind: "invite" });
      return "applied";
    });
  }

  resendInvite(org: string, email: string, ctx: WriteContext) {
    const key = normalizeEmail(email);
    return this.write({ action: "resendInvite", org, email: key }, ctx, () => {
      const state = this.mustOrg(org);
      const inv = state.invitations.get(key);
      if (!inv) throw new BackendError("not-found", `no invitation for ${key} in ${org}`);
      if (inv.lastKey === ctx.idempotencyKey && !this.isExpired(inv)) return "noop";
      state.invitations.set(key, this.newInvitation(state, inv.role, ctx));
      this.outbox.push({ org, email: key, role: inv.role, kind: "resend" });
      return "applied";
    });
  }

  cancelInvite(org: string, email: string, ctx: WriteContext) {
    const key = normalizeEmail(email);
    return this.write({ action: "cancelInvite", org, email: key }, ctx, () => {
      return this.mustOrg(org).invitations.delete(key) ? "applied" : "noop";
    });
  }

  changeRole(org: string, email: string, from: Role, to: Role, ctx: WriteContext) {
    const key = normalizeEmail(email);
    return this.write({ action: "changeRole", org, email: key, from, to }, ctx, () => {
      const member = this.mustOrg(org).members.get(key);
      if (!member) throw new BackendError("not-found", `${key} is not a member of ${org}`);
      if (member.role === to) return "noop";
      if (member.role !== from) {
        throw new BackendError("conflict", `${key} is ${member.role} in ${org}, not ${from}`);
      }
      member.role = to;
      return "applied";
    });
  }

  transferOwnership(org: string, from: string, to: string, ctx: WriteContext) {
    const [a, b] = [normalizeEmail(from), normalizeEmail(to)];
    return this.write({ action: "transferOwnership", org, email: b, from: a, to: b }, ctx, () => {
      const state = this.mustOrg(org);
      const [old, next] = [state.members.get(a), state.members.get(b)];
      if (old?.role === "admin" && next?.role === "owner") return "noop";
      if (old?.role !== "owner") throw new BackendError("conflict", `${a} is not the owner`);
      if (!next) throw new BackendError("precondition", `R5: ${b} is not an active member`);
      old.role = "admin";
      next.role = "owner";
      return "applied";
    });
  }

  remove(org: string, email: string, ctx: WriteContext) {
    const key = normalizeEmail(email);
    return this.write({ action: "remove", org, email: key }, ctx, () => {
      return this.mustOrg(org).members.delete(key) ? "applied" : "noop";
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  // ---- internals -----------------------------------------------------------------------------

  private async write(
    call: WriteCall,
    ctx: WriteContext,
    effect: () => WriteOutcome,
  ): Promise<WriteOutcome> {
    await Promise.resolve(); // a real backend answers asynchronously; callers must await
    const fault = this.takeFault(call);
    let outcome: WriteOutcome;
    try {
      if (fault && !fault.afterCommit) throw fault.error;
      authorize(this.caps.get(call.org) ?? this.defaultCaps, call);
      outcome = effect();
    } catch (error) {
      this.writes.push({ ...call, outcome: "failed", ctx });
      throw error;
    }
    const state = this.orgs.get(call.org);
    if (state && outcome === "applied") this.recordOwners(call.org, state, call.action, call.email);
    this.writes.push({ ...call, outcome, ctx });
    // The write committed but its answer is lost (a timeout): the caller must retry safely.
    if (fault) throw fault.error;
    return outcome;
  }

  private takeFault(call: WriteCall): Fault | undefined {
    const fault = this.faults.find((f) => f.remaining > 0 && f.matches(call));
    if (fault) fault.remaining--;
    return fault;
  }

  private recordOwners(org: string, state: OrgState, action: string, email?: string): void {
    const after = ownerCount(state);
    const before = state.ownerHistory.at(-1) ?? 0;
    state.ownerHistory.push(after);
    if (after === before || after === 1) return;
    // Only a backend that started broken may pass through 0 or 2+, and only moving towards one.
    if (Math.abs(after - 1) < Math.abs(before - 1)) return;
    this.invariantErrors.push(
      `${action} ${email ?? ""} left ${org} with ${after} owners (was ${before})`,
    );
  }

  private newInvitation(state: OrgState, role: InvitableRole, ctx: WriteContext): Invitation {
    const now = this.now();
    return {
      role,
      sentAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + state.settings.inviteExpirySeconds * 1000).toISOString(),
      lastKey: ctx.idempotencyKey,
    };
  }

  private isExpired(inv: Invitation): boolean {
    return Date.parse(inv.expiresAt) <= this.now().getTime();
  }

  private mustOrg(org: string): OrgState {
    const state = this.orgs.get(org);
    if (!state) throw new BackendError("not-found", `no organization ${org}`);
    return state;
  }

  private nowIso(): string {
    return this.now().toISOString();
  }

  private pastIso(): string {
    return new Date(this.now().getTime() - 1000).toISOString();
  }
}
