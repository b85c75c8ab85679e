import type {
  InvitableRole,
  Mailer,
  OrgSettings,
  Role,
  WriteOutcome,
} from "../../../model/index.js";
import type { SqliteDatabase } from "./database.js";
import { openDatabase } from "./database.js";
import { queueInviteMail } from "./delivery.js";
import { IDEMPOTENCY_RETENTION_DAYS } from "./idempotency.js";
import { invitationByToken, type InvitationByToken } from "./invitation-by-token.js";
import { MailDispatcher } from "./mail-dispatcher.js";
import { MailJobs, type UndeliveredMail } from "./mail-jobs.js";
import * as access from "./ops-access.js";
import * as invites from "./ops-invite.js";
import type { RemoveResult } from "./ops-member.js";
import * as members from "./ops-member.js";
import * as orgs from "./ops-org.js";
import { PortalReads } from "./store-reads.js";
import { requireEmail, requireOrg } from "./store-core.js";
import type { Tx } from "./store-core.js";
import type {
  AcceptResult,
  Actor,
  ApiKeyInfo,
  CreatedApiKey,
  InviteResult,
  PortalStoreOptions,
  SignInResult,
  WriteOptions,
  WriteResult,
} from "./store-types.js";

export type { RemoveResult } from "./ops-member.js";

/** `roster serve` listens on 127.0.0.1:8080 by default and serves the accept page under it. */
export const DEFAULT_ACCEPT_URL_BASE = "http://127.0.0.1:8080";

type NoKey = Omit<WriteOptions, "idempotencyKey">;

/**
 * The embedded Portal identity store (DESIGN "Backends": `sqlite:PATH`). Every write runs in
 * one IMMEDIATE transaction that checks the actor's authority (R3–R5, R9), enforces the rules
 * (R1–R8), appends an audit event and, given an idempotency key, records its outcome: all or
 * nothing. An invitation's mail is queued in the same transaction (the outbox, mail-jobs.ts),
 * tried once right after the commit, and retried by the dispatcher until delivered.
 * Reads (lists, snapshot, authentication) are in store-reads.ts.
 */
export class PortalStore extends PortalReads {
  /** Delivers the outbox; absent when the store was opened without a mailer. */
  readonly mail: MailDispatcher | undefined;
  private readonly mailJobs: MailJobs;
  private readonly acceptUrlBase: string;

  /** Opens (or creates) the store in `file`, migrating it to the current schema. */
  static open(file: string, options: PortalStoreOptions & { create?: boolean } = {}): PortalStore {
    const db = openDatabase(file, { create: options.create ?? true });
    try {
      return new PortalStore(db, options, true);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Over an open database (shared with the controller state); `ownsDb` makes close() close it. */
  constructor(db: SqliteDatabase, options: PortalStoreOptions = {}, ownsDb = false) {
    super(db, options, ownsDb);
    this.acceptUrlBase = options.acceptUrlBase ?? DEFAULT_ACCEPT_URL_BASE;
    this.mailJobs = new MailJobs(db, this.sql, this.now);
    this.mail = options.mailer && newDispatcher(this.mailJobs, options.mailer, options, this.now);
  }

  /** The declared owner becomes the active owner at once: that is how the first owner gets in. */
  createOrganization(
    actor: Actor,
    org: string,
    settings: OrgSettings,
    ownerEmail: string,
    options: WriteOptions = {},
  ): WriteResult {
    return this.write(actor, "createOrganization", [org, settings, ownerEmail], options, (tx) =>
      orgs.createOrganization(tx, org, settings, ownerEmail),
    );
  }

  updateOrganization(
    actor: Actor,
    org: string,
    settings: OrgSettings,
    options: WriteOptions = {},
  ): WriteResult {
    return this.write(actor, "updateOrganization", [org, settings], options, (tx) =>
      orgs.updateOrganization(tx, org, settings),
    );
  }

  /** R7 upsert; the plaintext token is in the result (and in the mail, with a mailer). */
  async invite(
    actor: Actor,
    org: string,
    email: string,
    role: InvitableRole,
    options: WriteOptions = {},
  ): Promise<InviteResult> {
    return this.deliver(
      this.write(actor, "invite", [org, email, role], options, (tx) =>
        this.queued(tx, org, invites.invite(tx, org, email, role), "invite"),
      ),
    );
  }

  async resendInvite(
    actor: Actor,
    org: string,
    email: string,
    options: WriteOptions = {},
  ): Promise<InviteResult> {
    return this.deliver(
      this.write(actor, "resendInvite", [org, email], options, (tx) =>
        this.queued(tx, org, invites.resendInvite(tx, org, email), "resend"),
      ),
    );
  }

  cancelInvite(actor: Actor, org: string, email: string, options: WriteOptions = {}): WriteResult {
    return this.write(actor, "cancelInvite", [org, email], options, (tx) =>
      invites.cancelInvite(tx, org, email),
    );
  }

  /**
   * Marks the memberships and open invitations of `emails` as managed by Roster (R3: admins and
   * the owner); per record and idempotent, so it needs no idempotency key.
   */
  markManaged(
    actor: Actor,
    org: string,
    emails: readonly string[],
    options: WriteOptions = {},
  ): invites.MarkResult {
    return this.write(actor, "markManaged", [org, emails], options, (tx) =>
      invites.markManaged(tx, org, emails),
    );
  }

  /** The invitee follows the mail's link: the token is the authority (R7). */
  acceptInvitation(token: string, options: WriteOptions = {}): AcceptResult {
    const actor: Actor = { kind: "system", name: "invitation-link" };
    return this.write(actor, "acceptInvitation", [token], options, (tx) =>
      invites.acceptByToken(tx, token),
    );
  }

  /** The invitee accepting in person (`roster portal accept`: the CLI plays the user). */
  acceptInvitationByEmail(
    actor: Actor,
    org: string,
    email: string,
    options: WriteOptions = {},
  ): AcceptResult {
    return this.write(actor, "acceptInvitationByEmail", [org, email], options, (tx) =>
      invites.acceptByEmail(tx, org, email),
    );
  }

  /** One UPDATE (R6 is never triggered by a role change); `expectFrom` guards a stale plan. */
  changeRole(
    actor: Actor,
    org: string,
    email: string,
    to: Role,
    options: WriteOptions & { expectFrom?: Role } = {},
  ): WriteResult {
    return this.write(actor, "changeRole", [org, email, to, options.expectFrom], options, (tx) =>
      members.changeRole(tx, org, email, to, options.expectFrom),
    );
  }

  /** R5; `expectFrom` is the owner the caller believes is current. */
  transferOwnership(
    actor: Actor,
    org: string,
    to: string,
    options: WriteOptions & { expectFrom?: string } = {},
  ): WriteResult {
    return this.write(actor, "transferOwnership", [org, to, options.expectFrom], options, (tx) =>
      members.transferOwnership(tx, org, to, options.expectFrom),
    );
  }

  /** R6: membership, the user's keys for the org and all their sessions go in one transaction. */
  removeMember(actor: Actor, org: string, email: string, options: WriteOptions = {}): RemoveResult {
    return this.write(actor, "removeMember", [org, email], options, (tx) =>
      members.removeMember(tx, org, email),
    );
  }

  /** A user signs in (trusted, like the Portal's Google sign-in): see ops-access.ts (R7, R8). */
  signIn(email: string, options: NoKey = {}): SignInResult {
    const actor: Actor = { kind: "user", email: requireEmail(email), role: "member" };
    return this.transaction(actor, options, (tx) => access.signIn(tx, email));
  }

  /** The key is in this answer and never again: only its hash is stored. */
  createApiKey(
    actor: Actor,
    org: string,
    email: string,
    options: NoKey = {},
  ): CreatedApiKey & WriteResult {
    return this.transaction(actor, options, (tx) => access.createApiKey(tx, org, email));
  }

  /**
   * createApiKey honouring an idempotency key (the HTTP API): a retry creates no second key,
   * and its answer has no `key` — the plaintext was in the first answer only.
   */
  createApiKeyOnce(
    actor: Actor,
    org: string,
    email: string,
    options: WriteOptions,
  ): ApiKeyInfo & WriteResult & { key?: string } {
    return this.write(actor, "createApiKey", [org, email], options, (tx) =>
      access.createApiKey(tx, org, email),
    );
  }

  /**
   * True when a write carrying this idempotency key committed: a retry will be answered from
   * the record. The HTTP API lets such a retry through its role pre-check (the caller may have
   * just transferred ownership away), since a replay has no effect.
   */
  hasIdempotencyRecord(key: string): boolean {
    return this.sql.get("SELECT 1 FROM idempotency WHERE key = ?").get(key) !== undefined;
  }

  /**
   * What the write carrying this key did, read from the record its own transaction wrote: null
   * when none committed with it since `since` (ISO 8601); undefined when the records of that
   * time may have been pruned already (IDEMPOTENCY_RETENTION_DAYS), so absence proves nothing.
   */
  idempotencyOutcome(key: string, since: string): WriteOutcome | null | undefined {
    const row = this.sql.get("SELECT outcome FROM idempotency WHERE key = ?").get(key) as
      | { outcome: WriteOutcome }
      | undefined;
    if (row) return row.outcome;
    const kept = this.now().getTime() - (IDEMPOTENCY_RETENTION_DAYS - 1) * 86_400_000;
    return Date.parse(since) >= kept ? null : undefined;
  }

  revokeApiKey(actor: Actor, org: string, keyId: number, options: WriteOptions = {}): WriteResult {
    return this.write(actor, "revokeApiKey", [org, keyId], options, (tx) =>
      access.revokeApiKey(tx, org, keyId),
    );
  }

  /** The invitation a mail's link carries (the accept page); undefined for an unknown token. */
  invitationByToken(token: string): InvitationByToken | undefined {
    return this.read(() => invitationByToken(this.sql, token, this.now()));
  }

  /** Open invitations whose mail is not delivered: pending (retrying) or failed for good. */
  undeliveredMail(org?: string): UndeliveredMail[] {
    return this.read(() => this.mailJobs.undelivered(org));
  }

  private queued(tx: Tx, org: string, result: InviteResult, kind: "invite" | "resend") {
    return queueInviteMail(tx, requireOrg(tx.sql, org), result, kind, this.acceptUrlBase);
  }

  /** The first attempt, right after the commit; the dispatcher retries what fails. */
  private async deliver(result: InviteResult): Promise<InviteResult> {
    if (!this.mail || result.mailJob === undefined) return result;
    const sent = await this.mail.deliverJob(result.mailJob);
    if (sent === undefined) return result;
    return {
      ...result,
      delivery: sent.sent ? { sent: true, via: this.mail.describe } : sent,
    };
  }
}

function newDispatcher(
  jobs: MailJobs,
  mailer: Mailer,
  options: PortalStoreOptions,
  now: () => Date,
): MailDispatcher {
  return new MailDispatcher(jobs, mailer, {
    now,
    ...(options.mailBackoff ? { backoff: options.mailBackoff } : {}),
    ...(options.onMailAttempt ? { onAttempt: options.onMailAttempt } : {}),
  });
}
