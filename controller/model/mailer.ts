import type { InvitableRole } from "./role.js";

/** An invitation to deliver (R7): the accept link carries the one-time token. */
export interface InviteMessage {
  /**
   * The delivery job's id: the same on every retry of one message, so a retry after a crash
   * rewrites the outbox file (or reuses the Message-ID) instead of making a second mail.
   */
  id: string;
  org: string;
  orgDisplayName: string;
  email: string;
  role: InvitableRole;
  acceptUrl: string;
  expiresAt: string;
}

/** Delivers invitation mail: an outbox folder (default), SMTP, or Gmail. */
export interface Mailer {
  readonly describe: string;
  sendInvite(message: InviteMessage): Promise<void>;
}
