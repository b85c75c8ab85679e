import { BackendError } from "../../model/index.js";
import { redactSecrets } from "../redact.js";

/** Socket-level failures: the server may be back in a moment. */
const TRANSIENT_CODES = new Set([
  "ECONNECTION",
  "ETIMEDOUT",
  "ESOCKET",
  "EDNS",
  "ECONNREFUSED",
  "ECONNRESET",
  "EAI_AGAIN",
]);

const CERTIFICATE = /certificate|self-signed|altnames|CERT_/i;

/**
 * A failed send as a BackendError. The message names the recipient and the transport, never
 * the mail itself (it holds the invitation token) nor a credential.
 */
export function mailError(error: unknown, to: string, via: string): BackendError {
  if (error instanceof BackendError) return error;
  const shaped = (error ?? {}) as { code?: unknown; responseCode?: unknown; message?: unknown };
  const code = typeof shaped.code === "string" ? shaped.code : undefined;
  const smtpCode = typeof shaped.responseCode === "number" ? shaped.responseCode : undefined;
  const detail = redactSecrets(typeof shaped.message === "string" ? shaped.message : String(error));
  // nodemailer reports a certificate that does not verify as a socket error: retrying will
  // not fix it, the configuration must change.
  if (CERTIFICATE.test(detail)) {
    return new BackendError(
      "tls",
      `could not send the invitation to ${to} via ${via}: ${detail} (trust the server's CA with ` +
        `?ca=PATH, or check the host name: docs/mail.md)`,
    );
  }
  // requireTLS and a server that offers no STARTTLS: sending anyway would expose the password
  // and the links; only the configuration can change that.
  if (code === "ETLS") {
    return new BackendError(
      "tls",
      `could not send the invitation to ${to} via ${via}: the server does not offer STARTTLS, ` +
        "and Roster sends neither a password nor an invitation link in clear (use a server with " +
        "TLS; ?requireTLS=false opts out, on a trusted network only: docs/mail.md)",
    );
  }
  // SMTP 4xx replies are temporary by definition (RFC 5321 §4.2.1); 5xx are permanent.
  const transient =
    (smtpCode !== undefined && smtpCode >= 400 && smtpCode < 500) ||
    (code !== undefined && TRANSIENT_CODES.has(code));
  const kind = code === "EAUTH" ? "unauthenticated" : transient ? "unavailable" : "mail-rejected";
  return new BackendError(kind, `could not send the invitation to ${to} via ${via}: ${detail}`, {
    transient,
  });
}
