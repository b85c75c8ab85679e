/**
 * An in-memory `IdentityBackend` for tests: the Portal's rules without a database.
 *
 * - Every method of controller/model/backend.ts, idempotent the way the contract asks: repeating
 *   a write whose effect is already there answers `noop`; a retry with the same idempotency key
 *   and the same request replays the first outcome (the store's rule: the key is looked up
 *   before the precondition), the same key for another request is a `conflict`.
 * - Conditional writes and marks like the Portal store: every membership, invitation and the
 *   settings carry a `version` from one clock (a new one on every write), `ctx.expect` is
 *   checked (BackendError `precondition-failed`), `ctx.managed` marks the record, accepting an
 *   invitation carries its mark, auto-provisioning sets none; `markManaged` marks per record.
 *   `managedMarks: false` plays a backend without marks (a Google group).
 * - `snapshot(org)` returns the `ActualOrganization` shape (sorted, copies; an invitation whose
 *   `expiresAt` is past the clock is `expired`).
 * - Capabilities are configurable per org (`setCapabilities`) and ENFORCED: a write the
 *   credential may not do throws `BackendError("forbidden")`, like a real Portal answering 403.
 * - R2 watch: every applied write (and every accepted invite or sign-in) appends the org's
 *   owner count to `ownerCountHistory(org)`; a write that changes the count to 0 or 2+
 *   (unless it moves a backend that started broken closer to one owner) is recorded in
 *   `invariantErrors`. The write itself still happens, so a test sees what a bad plan did.
 * - Users' side: `acceptInvite`, `signIn` (links an invite or auto-provisions, R8),
 *   `expireInvite`, `setDomainUsers` (a Google-like directory). Out-of-band Portal edits are
 *   plain writes (no `expect`, no `managed`), as the Portal's UI makes them.
 * - Faults: `failWhen` throws a chosen error before (or after) a matching write commits.
 * - `writes` logs every call with its outcome; `outbox` every invitation mail "sent".
 */
import type {
  ActualMember,
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
import { authorize, checkExpect, ownerCount } from "./memory-backend-support.js";

export type { MailRecord, WriteCall, WriteRecord } from "./memory-backend-support.js";

export interface MemoryBackendOptions {
  /** The clock for `since`, `sentAt`, expiry. Default: the real time. */
  now?: () => Date;
  /** Capabilities of orgs without their own `setCapabilities` (default: full). */
  capabilities?: Capabilities;
  /** false: no per-record marks (snapshot has none, markManaged does nothing). Default true. */
  managedMarks?: boolean;
}

export class MemoryBackend implements IdentityBackend {
  readonly describe = "memory";
  readonly managedMarks: boolean;
  readonly writes: WriteRecord[] = [];
  /** Every markManaged call, in order (not in `writes`: a mark changes no record). */
  readonly markCalls: { org: string; emails: string[] }[] = [];
  readonly outbox: MailRecord[] = [];
  readonly invariantErrors: string[] = [];
  private readonly orgs = new Map<string, OrgState>();
  private readonly caps = new Map<string, Capabilities>();
  private readonly faults: Fault[] = [];
  private readonly now: () => Date;
  private readonly defaultCaps: Capabilities;
  /** Idempotency key → the request it was first used for and that request's outcome. */
  private readonly keys = new Map<string, { request: string; outcome: WriteOutcome }>();
  private clock = 0;

  constructor(options: MemoryBackendOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.defaultCaps = options.capabilities ?? FULL_CAPABILITIES;
    this.managedMarks = options.managedMarks ?? true;
  }

  // ---- test set-up and the users' side -------------------------------------------------------

  /** Replaces an org's whole state (any owner count allowed: a backend may start broken). */
  seed(actual: ActualOrganization): void {
    const state: OrgState = {
      settings: structuredClone(actual.settings),
      settingsVersion: actual.settingsVersion ?? this.nextVersion(),
      members: new Map(
        actual.members.map((m) => [
          normalizeEmail(m.email),
          { ...m, version: m.version ?? this.nextVersion(), managed: m.managed === true },
        ]),
      ),
      invitations: new Map(
        actual.invitations.map((i) => [
          normalizeEmail(i.email),
          {
            role: i.role,
            sentAt: i.sentAt,
            expiresAt: i.expiresAt,
            version: i.version ?? this.nextVersion(),
            managed: i.managed === true,
          },
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
    // The invitation's mark carries over: Roster invited them for a declared member.
    state.members.set(key, {
      email: key,
      role: inv.role,
      since: this.nowIso(),
      version: this.nextVersion(),
      managed: inv.managed,
    });
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
      version: this.nextVersion(),
      managed: false,
    });
    this.recordOwners(org, state, "signIn", key);
    return "provisioned";
  }

  expireInvite(org: string, email: string): void {
    const inv = this.mustOrg(org).invitations.get(normalizeEmail(email));
    if (!inv) throw new Error(`memory backend: no invitation for ${email} in ${org}`);
    inv.expiresAt = this.pastIso();
  }

  /** Whether Roster's mark is on the email's membership or open invitation (undefined: none). */
  isMarked(org: string, email: string): boolean | undefined {
    const state = this.mustOrg(org);
    const key = normalizeEmail(email);
    return (state.members.get(key) ?? state.invitations.get(key))?.managed;
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
    const marks = this.managedMarks;
    const actual: ActualOrganization = {
      name: org,
      settings: structuredClone(state.settings),
      members: [...state.members.values()]
        .map(({ managed, ...m }) => (marks ? { ...m, managed: managed === true } : m))
        .sort(byEmail),
      invitations: [...state.invitations.entries()]
        .map(([email, i]) => ({
          email,
          role: i.role,
          sentAt: i.sentAt,
          expiresAt: i.expiresAt,
          status: this.isExpired(i) ? ("expired" as const) : ("pending" as const),
          version: i.version,
          ...(marks ? { managed: i.managed } : {}),
        }))
        .sort(byEmail),
      settingsVersion: state.settingsVersion,
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
    const call = { action: "createOrganization", org, email: ownerEmail };
    return this.write(call, ctx, [settings], () => {
      const existing = this.orgs.get(org);
      checkExpect(ctx.expect, existing && { version: existing.settingsVersion }, `org ${org}`);
      if (existing) return "noop";
      const owner = normalizeEmail(ownerEmail);
      const state: OrgState = {
        settings: structuredClone(settings),
        settingsVersion: this.nextVersion(),
        members: new Map([[owner, this.newMember(owner, "owner", ctx)]]),
        invitations: new Map(),
        ownerHistory: [],
      };
      this.orgs.set(org, state);
      return "applied";
    });
  }

  updateOrganization(org: string, settings: OrgSettings, ctx: WriteContext) {
    return this.write({ action: "updateOrganization", org }, ctx, [settings], () => {
      const found = this.orgs.get(org);
      if (!found) checkExpect(ctx.expect, undefined, `org ${org}`);
      const state = this.mustOrg(org);
      checkExpect(ctx.expect, { version: state.settingsVersion }, `the settings of ${org}`);
      if (JSON.stringify(state.settings) === JSON.stringify(settings)) return "noop";
      state.settings = structuredClone(settings);
      state.settingsVersion = this.nextVersion();
      return "applied";
    });
  }

  invite(org: string, email: string, role: InvitableRole, ctx: WriteContext) {
    const key = normalizeEmail(email);
    return this.write({ action: "invite", org, email: key, role }, ctx, [], () => {
      const state = this.mustOrg(org);
      const member = state.members.get(key);
      const inv = state.invitations.get(key);
      if (ctx.expect && "absent" in ctx.expect) checkExpect(ctx.expect, member, `${key} in ${org}`);
      checkExpect(ctx.expect, inv, `the invitation of ${key}`);
      if (member) {
        throw new BackendError("conflict", `${key} is already a member of ${org}`);
      }
      if (inv && inv.role === role && !this.isExpired(inv)) {
        if (ctx.managed === true) inv.managed = true;
        return "noop";
      }
      state.invitations.set(key, this.newInvitation(state, role, ctx, inv));
      this.outbox.push({ org, email: key, role, kind: "invite" });
      return "applied";
    });
  }

  resendInvite(org: string, email: string, ctx: WriteContext) {
    const key = normalizeEmail(email);
    const role = this.orgs.get(org)?.invitations.get(key)?.role;
    return this.write(
      { action: "resendInvite", org, email: key, ...(role ? { role } : {}) },
      ctx,
      [],
      () => {
        const state = this.mustOrg(org);
        const inv = state.invitations.get(key);
        checkExpect(ctx.expect, inv, `the invitation of ${key}`);
        if (!inv) throw new BackendError("not-found", `no invitation for ${key} in ${org}`);
        state.invitations.set(key, this.newInvitation(state, inv.role, ctx, inv));
        this.outbox.push({ org, email: key, role: inv.role, kind: "resend" });
        return "applied";
      },
    );
  }

  /** With `expect`, an invitation accepted (or cancelled) meanwhile fails: never `noop`. */
  cancelInvite(org: string, email: string, ctx: WriteContext) {
    const key = normalizeEmail(email);
    return this.write({ action: "cancelInvite", org, email: key }, ctx, [], () => {
      const state = this.mustOrg(org);
      checkExpect(ctx.expect, state.invitations.get(key), `the invitation of ${key}`);
      return state.invitations.delete(key) ? "applied" : "noop";
    });
  }

  changeRole(org: string, email: string, from: Role, to: Role, ctx: WriteContext) {
    const key = normalizeEmail(email);
    return this.write({ action: "changeRole", org, email: key, from, to }, ctx, [], () => {
      const member = this.mustOrg(org).members.get(key);
      checkExpect(ctx.expect, member, `the membership of ${key}`);
      if (!member) throw new BackendError("not-found", `${key} is not a member of ${org}`);
      if (member.role === to) {
        if (ctx.managed === true) member.managed = true;
        return "noop";
      }
      if (member.role !== from) {
        throw new BackendError("conflict", `${key} is ${member.role} in ${org}, not ${from}`);
      }
      member.role = to;
      member.version = this.nextVersion();
      if (ctx.managed === true) member.managed = true;
      return "applied";
    });
  }

  /** `expect` is about the new owner's membership, which a managed transfer marks. */
  transferOwnership(org: string, from: string, to: string, ctx: WriteContext) {
    const [a, b] = [normalizeEmail(from), normalizeEmail(to)];
    const call = { action: "transferOwnership", org, email: b, from: a, to: b };
    return this.write(call, ctx, [], () => {
      const state = this.mustOrg(org);
      const [old, next] = [state.members.get(a), state.members.get(b)];
      checkExpect(ctx.expect, next, `the membership of ${b}`);
      if (old?.role === "admin" && next?.role === "owner") {
        if (ctx.managed === true) next.managed = true;
        return "noop";
      }
      if (old?.role !== "owner") throw new BackendError("conflict", `${a} is not the owner`);
      if (!next) throw new BackendError("precondition", `R5: ${b} is not an active member`);
      old.role = "admin";
      next.role = "owner";
      old.version = this.nextVersion();
      next.version = this.nextVersion();
      if (ctx.managed === true) next.managed = true;
      return "applied";
    });
  }

  /** A member already gone is `noop`, with or without `expect`. */
  remove(org: string, email: string, ctx: WriteContext) {
    const key = normalizeEmail(email);
    const role = this.orgs.get(org)?.members.get(key)?.role;
    return this.write(
      { action: "remove", org, email: key, ...(role ? { role } : {}) },
      ctx,
      [],
      () => {
        const members = this.mustOrg(org).members;
        const member = members.get(key);
        if (!member) return "noop";
        checkExpect(ctx.expect, member, `the membership of ${key}`);
        members.delete(key);
        return "applied";
      },
    );
  }

  async markManaged(org: string, emails: readonly string[], _ctx: WriteContext): Promise<void> {
    await Promise.resolve();
    if (!this.managedMarks) return;
    authorize(this.caps.get(org) ?? this.defaultCaps, { action: "markManaged", org });
    const state = this.mustOrg(org);
    const keys = emails.map(normalizeEmail);
    for (const key of keys) {
      const record = state.members.get(key) ?? state.invitations.get(key);
      if (record) record.managed = true;
    }
    this.markCalls.push({ org, emails: keys });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  // ---- internals -----------------------------------------------------------------------------

  private async write(
    call: WriteCall,
    ctx: WriteContext,
    args: unknown[],
    effect: () => WriteOutcome,
  ): Promise<WriteOutcome> {
    await Promise.resolve(); // a real backend answers asynchronously; callers must await
    const fault = this.takeFault(call);
    const request = JSON.stringify([call, args, ctx.expect ?? null, ctx.managed === true]);
    let outcome: WriteOutcome;
    try {
      if (fault && !fault.afterCommit) throw fault.error;
      authorize(
        this.caps.get(call.org) ?? this.defaultCaps,
        call,
        this.orgs.get(call.org)?.settings,
        call.action === "updateOrganization" ? (args[0] as OrgSettings) : undefined,
      );
      // The key before the precondition: a retry of a committed write replays its answer.
      const replay = this.replay(ctx.idempotencyKey, request);
      outcome = replay ?? effect();
      if (replay === undefined && ctx.idempotencyKey !== undefined) {
        this.keys.set(ctx.idempotencyKey, { request, outcome });
      }
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

  private replay(key: string | undefined, request: string): WriteOutcome | undefined {
    if (key === undefined) return undefined;
    const first = this.keys.get(key);
    if (first === undefined) return undefined;
    if (first.request !== request) {
      throw new BackendError("conflict", `idempotency key ${key} was used for another request`);
    }
    return first.outcome;
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

  /** A plain write keeps the mark of the invitation it replaces; a managed one sets it. */
  private newInvitation(
    state: OrgState,
    role: InvitableRole,
    ctx: WriteContext,
    before?: Invitation,
  ): Invitation {
    const now = this.now();
    return {
      role,
      sentAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + state.settings.inviteExpirySeconds * 1000).toISOString(),
      version: this.nextVersion(),
      managed: ctx.managed === true || before?.managed === true,
    };
  }

  private newMember(email: string, role: Role, ctx: WriteContext): ActualMember {
    return {
      email,
      role,
      since: this.nowIso(),
      version: this.nextVersion(),
      managed: ctx.managed === true,
    };
  }

  private nextVersion(): string {
    return String(++this.clock);
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
