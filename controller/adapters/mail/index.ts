export {
  OutboxMailer,
  DEFAULT_OUTBOX_DIR,
  DEFAULT_FROM,
  type OutboxMailerOptions,
} from "./outbox-mailer.js";
export { SmtpMailer, type SmtpMailerOptions } from "./smtp-mailer.js";
export { GmailMailer, type GmailMailerOptions } from "./gmail-mailer.js";
export { renderInvite, escapeHtml, type RenderedInvite } from "./invite-template.js";
export { composeInvite } from "./compose.js";
