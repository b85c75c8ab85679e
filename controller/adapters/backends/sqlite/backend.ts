import type {
  ActualOrganization,
  Capabilities,
  IdentityBackend,
  InvitableRole,
  OrgSettings,
  Role,
  WriteContext,
  WriteOutcome,
} from "../../../model/index.js";
import { FULL_CAPABILITIES } from "../../../model/index.js";
import type { PortalStore } from "./store.js";
import type { Actor, InviteResult, WriteOptions, WriteResult } from "./store-types.js";

export interface SqliteBackendOptions {
  /** Shown in logs: `sqlite:PATH` (a path holds no credential). */
  describe: string;
  /** Told about what does not fail a step but needs attention (an invite mail not sent). */
  onWarning?: (message: string) => void;
  /** close() closes the store too (default true). */
  ownsStore?: boolean;
}

/**
 * `IdentityBackend` over the embedded Portal store, with the system actor (Roster opened the
 * file itself: full authority). Each write carries the step's idempotency key into the store's
 * own transaction, so a step retried after a crash has no second effect; the revision and the
 * reason land in the store's audit events. `ctx.expect` and `ctx.managed` go to the store,
 * which refuses a stale write with BackendError `precondition-failed` (store-errors.ts).
 * A replayed key answers the outcome its first attempt had, not the replay's `noop`: the
 * journal records what the write did.
 */
export class SqliteBackend implements IdentityBackend {
  readonly describe: string;
  /** Each membership and invitation carries Roster's mark: the managed set lives in the file. */
  readonly managedMarks = true;
  private readonly onWarning: (message: string) => void;
  private readonly ownsStore: boolean;

  constructor(
    readonly store: PortalStore,
    options: SqliteBackendOptions,
  ) {
    this.describe = options.describe;
    this.onWarning = options.onWarning ?? (() => undefined);
    this.ownsStore = options.ownsStore ?? true;
  }

  listOrganizations(): Promise<string[]> {
    return this.run(() => this.store.listOrganizations(SYSTEM).map((o) => o.name));
  }

  snapshot(org: string): Promise<ActualOrganization | null> {
    return this.run(() => this.store.snapshot(org));
  }

  /** Exact, from the idempotency record the write's own transaction committed. */
  writeOutcome(key: string, since: string): Promise<WriteOutcome | null | undefined> {
    return this.run(() => this.store.idempotencyOutcome(key, since));
  }

  capabilities(_org: string): Promise<Capabilities> {
    return Promise.resolve({ ...FULL_CAPABILITIES });
  }

  createOrganization(
    org: string,
    settings: OrgSettings,
    ownerEmail: string,
    ctx: WriteContext,
  ): Promise<WriteOutcome> {
    return this.run(() =>
      outcomeOf(this.store.createOrganization(actor(ctx), org, settings, ownerEmail, options(ctx))),
    );
  }

  updateOrganization(org: string, settings: OrgSettings, ctx: WriteContext): Promise<WriteOutcome> {
    return this.run(() =>
      outcomeOf(this.store.updateOrganization(actor(ctx), org, settings, options(ctx))),
    );
  }

  async invite(
    org: string,
    email: string,
    role: InvitableRole,
    ctx: WriteContext,
  ): Promise<WriteOutcome> {
    return this.reported(await this.store.invite(actor(ctx), org, email, role, options(ctx)));
  }

  async resendInvite(org: string, email: string, ctx: WriteContext): Promise<WriteOutcome> {
    return this.reported(await this.store.resendInvite(actor(ctx), org, email, options(ctx)));
  }

  cancelInvite(org: string, email: string, ctx: WriteContext): Promise<WriteOutcome> {
    return this.run(() => outcomeOf(this.store.cancelInvite(actor(ctx), org, email, options(ctx))));
  }

  changeRole(
    org: string,
    email: string,
    from: Role,
    to: Role,
    ctx: WriteContext,
  ): Promise<WriteOutcome> {
    return this.run(() =>
      outcomeOf(
        this.store.changeRole(actor(ctx), org, email, to, { ...options(ctx), expectFrom: from }),
      ),
    );
  }

  transferOwnership(
    org: string,
    from: string,
    to: string,
    ctx: WriteContext,
  ): Promise<WriteOutcome> {
    return this.run(() =>
      outcomeOf(
        this.store.transferOwnership(actor(ctx), org, to, { ...options(ctx), expectFrom: from }),
      ),
    );
  }

  remove(org: string, email: string, ctx: WriteContext): Promise<WriteOutcome> {
    return this.run(() => outcomeOf(this.store.removeMember(actor(ctx), org, email, options(ctx))));
  }

  markManaged(org: string, emails: readonly string[], ctx: WriteContext): Promise<void> {
    // Naturally idempotent: no key, so batches of one step never share one.
    const { idempotencyKey: _key, ...rest } = options(ctx);
    return this.run(() => {
      this.store.markManaged(actor(ctx), org, emails, rest);
    });
  }

  close(): Promise<void> {
    if (this.ownsStore) this.store.close();
    return Promise.resolve();
  }

  private reported(result: InviteResult): WriteOutcome {
    const { delivery, invitation } = result;
    if (delivery && !delivery.sent && invitation) {
      this.onWarning(
        `invitation of ${invitation.email} to ${invitation.org} was saved but its mail was not sent: ${delivery.error}`,
      );
    }
    return outcomeOf(result);
  }

  /** The store is synchronous; a throw becomes a rejected promise, as callers of the interface expect. */
  private run<T>(body: () => T): Promise<T> {
    try {
      return Promise.resolve(body());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

const SYSTEM: Actor = { kind: "system", name: "roster" };

function actor(ctx: WriteContext): Actor {
  return { kind: "system", name: ctx.actor || "roster" };
}

function options(ctx: WriteContext): WriteOptions {
  const options: WriteOptions = {
    reason: ctx.reason,
    revision: ctx.revision,
    idempotencyKey: ctx.idempotencyKey,
  };
  if (ctx.expect !== undefined) options.expect = ctx.expect;
  if (ctx.managed === true) options.managed = true;
  return options;
}

/** A replay (`noop`, `replayed`) reports what its first attempt did. */
function outcomeOf(result: WriteResult): WriteOutcome {
  return result.replayed === true ? (result.firstOutcome ?? result.outcome) : result.outcome;
}
