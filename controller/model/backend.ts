import type { ActualOrganization, Capabilities } from "./actual.js";
import type { InvitableRole, Role } from "./role.js";
import type { OrgSettings } from "./resources.js";

/** Who asked for a write and why; recorded in the backend's audit events. */
export interface WriteContext {
  /** The source revision the step came from (commit SHA, resourceVersion, content hash). */
  revision: string;
  reason: string;
  /** Who performs the write, e.g. `roster` or `roster@<hostname>`. */
  actor: string;
  /**
   * Stable per (revision, step): a retried write with the same key has no second effect,
   * even when the first attempt committed and only its answer was lost.
   */
  idempotencyKey: string;
  /**
   * The step's `autoProvisioned` (R8), so a backend without its own notion of it (Google
   * Groups) can remember which members domain auto-provisioning added. Absent means false.
   */
  autoProvisioned?: boolean;
  /**
   * What the plan observed of the record this write changes. The backend refuses the write with
   * a `precondition-failed` BackendError when the record changed since: someone else wrote, and
   * the organization is observed and planned again (DESIGN: writes are conditional).
   */
  expect?: Precondition;
  /** Roster manages the record this write creates or changes: the backend marks it. */
  managed?: boolean;
}

/**
 * - `version`: the record (membership, invitation, settings; for a transfer the new owner's
 *   membership) still has the version the snapshot showed;
 * - `absent`: there is no such record (invite: no membership and no open invitation for the
 *   email; createOrganization: no organization of that name);
 * - `present`: the record exists, whatever its version (`If-Match: *`, RFC 9110 §13.1.1). The
 *   planner never asks it; the Portal API takes it from other clients.
 */
export type Precondition = { version: string } | { absent: true } | { present: true };

export type WriteOutcome = "applied" | "noop";

/**
 * The identity store Roster reconciles (the embedded Portal store, the Portal HTTP API,
 * Google Groups). No SDK types cross this boundary. Every write is idempotent: repeating it
 * after a timeout or a crash has no second effect and answers `noop`.
 * Errors are thrown as `BackendError` (see errors.ts).
 */
export interface IdentityBackend {
  /** A short description for logs, never containing a credential. */
  readonly describe: string;
  /**
   * True when snapshot() reports per-record `managed` marks and writes keep them, so the
   * controller's memory of what it manages lives in the backend, not in a working directory.
   */
  readonly managedMarks: boolean;
  listOrganizations(): Promise<string[]>;
  /** null when the backend has no such organization. */
  snapshot(org: string): Promise<ActualOrganization | null>;
  capabilities(org: string): Promise<Capabilities>;

  /** Creates the organization with `ownerEmail` as its active owner (R2 from the first moment). */
  createOrganization(
    org: string,
    settings: OrgSettings,
    ownerEmail: string,
    ctx: WriteContext,
  ): Promise<WriteOutcome>;
  updateOrganization(org: string, settings: OrgSettings, ctx: WriteContext): Promise<WriteOutcome>;
  /** Upsert: a pending invitation with another role takes the new role (R7). */
  invite(org: string, email: string, role: InvitableRole, ctx: WriteContext): Promise<WriteOutcome>;
  /** Issues a new token and expiry for an existing (usually expired) invitation. */
  resendInvite(org: string, email: string, ctx: WriteContext): Promise<WriteOutcome>;
  cancelInvite(org: string, email: string, ctx: WriteContext): Promise<WriteOutcome>;
  /** One update, never remove-then-add (which would revoke keys and sessions, R6). */
  changeRole(
    org: string,
    email: string,
    from: Role,
    to: Role,
    ctx: WriteContext,
  ): Promise<WriteOutcome>;
  /** R5: `to` must be an active member; the old owner becomes admin. */
  transferOwnership(
    org: string,
    from: string,
    to: string,
    ctx: WriteContext,
  ): Promise<WriteOutcome>;
  /** R6: removes the membership and revokes the user's API keys and sessions at once. */
  remove(org: string, email: string, ctx: WriteContext): Promise<WriteOutcome>;

  /**
   * Marks the existing memberships and open invitations of `emails` as managed by Roster (only
   * when `managedMarks`). Idempotent, per record: never a rewrite of a whole set.
   */
  markManaged(org: string, emails: readonly string[], ctx: WriteContext): Promise<void>;

  /**
   * Optional, for recovering an interrupted write (apply/recover-intents.ts): the outcome of the
   * write that carried this idempotency key; null when none committed with it since `since`;
   * undefined when the backend cannot tell (then recovery compares the observed state).
   */
  writeOutcome?(key: string, since: string): Promise<WriteOutcome | null | undefined>;

  close(): Promise<void>;
}
