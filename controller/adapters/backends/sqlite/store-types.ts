import type {
  InvitableRole,
  Mailer,
  OrgSettings,
  Precondition,
  Role,
  WriteOutcome,
} from "../../../model/index.js";
import type { MailAttempt } from "./mail-dispatcher.js";

/**
 * Who performs an operation.
 * - `system`: Roster opening the file directly (`roster apply`, `roster portal …`): full authority.
 * - `user`: an API caller, as the HTTP server authenticated it. `role` is what the credential
 *   said; the store re-reads the caller's current membership inside the transaction and
 *   authorizes with that (a demotion takes effect at once). `org`, when set, is the
 *   organization the credential is scoped to: any other organization is refused.
 */
export type Actor =
  | { kind: "system"; name: string }
  | { kind: "user"; email: string; role: Role; org?: string };

/** Recorded in the audit event of a write; `idempotencyKey` makes a retry a no-op. */
export interface WriteOptions {
  reason?: string;
  /** The source revision the change came from (commit SHA, resourceVersion, content hash). */
  revision?: string;
  /**
   * A retried write with the same key has no second effect and answers `noop` with
   * `replayed: true`. Callers serving several clients should namespace keys per client.
   */
  idempotencyKey?: string;
  /**
   * What the caller observed of the record the write changes (see model/backend.ts): a
   * mismatch throws `precondition-failed` and changes nothing. Absent: unconditional, as the
   * Portal's own UI and a person's script write.
   */
  expect?: Precondition;
  /** Marks the created or changed record as managed by Roster; absent keeps an existing mark. */
  managed?: boolean;
}

export interface WriteResult {
  outcome: WriteOutcome;
  /** True when this answer comes from the idempotency table: the first attempt committed. */
  replayed?: boolean;
  /** On a replay: the outcome the first attempt answered (the HTTP API returns it). */
  firstOutcome?: WriteOutcome;
  /**
   * The version of the record after the write (the membership changed, the new owner's, the
   * invitation, the settings): the HTTP API's `ETag`. Absent when the record is gone.
   */
  version?: string;
}

export interface OrganizationView {
  name: string;
  settings: OrgSettings;
  createdAt: string;
  /** The current owner's email (R2: there is exactly one). */
  owner: string;
  /** Opaque; changes with every write to the settings. */
  settingsVersion: string;
}

export interface MemberView {
  email: string;
  role: Role;
  since: string;
  autoProvisioned: boolean;
  /** Opaque; changes with every write to this membership. */
  version: string;
  managed: boolean;
}

/** `expired` is computed at read time: a pending invitation whose `expiresAt` has passed. */
export type InvitationStatus = "pending" | "expired" | "accepted" | "cancelled";

export interface InvitationView {
  org: string;
  email: string;
  role: InvitableRole;
  sentAt: string;
  expiresAt: string;
  status: InvitationStatus;
  invitedBy: string;
  /** Opaque; changes with every write to this invitation (a resend, a role change). */
  version: string;
  managed: boolean;
}

export type DeliveryReport = { sent: true; via: string } | { sent: false; error: string };

export interface InviteResult extends WriteResult {
  invitation?: InvitationView;
  /**
   * The one-time plaintext token (only its hash is stored), when this call issued one.
   * Hand it to a mailer; never log it.
   */
  token?: string;
  /**
   * The first delivery attempt, made right after the commit when the store has a mailer. A
   * failure rolls nothing back: the mail job stays in the outbox and the dispatcher retries.
   */
  delivery?: DeliveryReport;
  /** The outbox job carrying this invitation's mail (committed with the invitation). */
  mailJob?: string;
  /** The invitee is already an active member: nothing to invite. */
  alreadyMember?: boolean;
}

export interface AcceptResult extends WriteResult {
  org: string;
  email: string;
  role: Role;
}

export interface SignInResult {
  email: string;
  /** The session token (stored hashed). A credential: never print or log it. */
  sessionToken: string;
  /** Organizations this sign-in joined: by a pending invitation, or by domain (R8). */
  joined: { org: string; role: Role; via: "invitation" | "auto-provisioning" }[];
  /** Every organization the user belongs to after signing in. */
  memberships: { org: string; role: Role }[];
}

export interface ApiKeyInfo {
  id: number;
  org: string;
  email: string;
  /** The first characters of the key, to tell keys apart in lists; not a secret. */
  prefix: string;
  createdAt: string;
  revokedAt?: string;
}

export interface CreatedApiKey extends ApiKeyInfo {
  /** Shown once: only its SHA-256 hash is stored. */
  key: string;
}

/** What an API key authenticates as (R9 authorization starts from here). */
export interface ApiKeyPrincipal {
  keyId: number;
  org: string;
  email: string;
  role: Role;
}

export interface AuditEvent {
  id: number;
  time: string;
  org: string | null;
  actor: string;
  action: string;
  target: string | null;
  before: unknown;
  after: unknown;
  reason: string | null;
  revision: string | null;
}

export interface PageRequest {
  /** Opaque, from the previous page's `nextCursor`. */
  cursor?: string;
  /** 1…200, default 100. */
  limit?: number;
}

export interface Page<T> {
  items: T[];
  /** Absent on the last page. */
  nextCursor?: string;
}

export interface PortalStoreOptions {
  /** The clock every expiry and timestamp reads; tests inject one to move time. */
  now?: () => Date;
  /** Delivers the outbox: each invitation's mail is queued in its transaction (R7). */
  mailer?: Mailer;
  /** Retry timing of the outbox dispatcher (tests shorten it). */
  mailBackoff?: { baseDelayMs?: number; maxDelayMs?: number };
  /** Told about every delivery attempt (the controller's metrics). */
  onMailAttempt?: (attempt: MailAttempt) => void;
  /** The Portal's base address; invitation mail links to `${acceptUrlBase}/accept?token=…`. */
  acceptUrlBase?: string;
}
