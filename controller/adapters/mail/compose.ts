import type { InviteMessage } from "../../model/index.js";
import { renderInvite } from "./invite-template.js";

export interface Envelope {
  /** `Name <address>` or a bare address. */
  from: string;
  date: Date;
}

/** The fields every transport sends: one invite, plain text + HTML alternatives. */
export function inviteMail(message: InviteMessage, envelope: Envelope) {
  const { subject, text, html } = renderInvite(message);
  return {
    from: envelope.from,
    to: message.email,
    subject,
    text,
    html,
    date: envelope.date,
    // One job, one Message-ID: a copy sent again after a crash is recognisably the same mail.
    messageId: `<${message.id}@roster.invalid>`,
    // RFC 3834: sent by a program; auto-responders should not answer it.
    headers: { "Auto-Submitted": "auto-generated" },
  };
}

/**
 * The invite as one RFC 5322 message (multipart/alternative: text/plain then text/html), built
 * by nodemailer's composer so headers are encoded (RFC 2047) and lines folded correctly.
 */
export async function composeInvite(message: InviteMessage, envelope: Envelope): Promise<Buffer> {
  // Loaded on first use: every CLI command would otherwise pay for this SDK at start-up.
  const { default: MailComposer } = await import("nodemailer/lib/mail-composer/index.js");
  return new MailComposer(inviteMail(message, envelope)).compile().build();
}
