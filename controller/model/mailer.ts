import type { InvitableRole } from "./role.js";

/** An invitation to deliver (R7): the accept link carries the one-time token. */
export interface InviteMessage {
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
