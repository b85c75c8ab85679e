import type { SentMessageInfo, Transporter } from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport/index.js";
import type { InviteMessage, Mailer } from "../../model/index.js";
import { inviteMail } from "./compose.js";
import { mailError } from "./errors.js";

export interface SmtpMailerOptions {
  host: string;
  port: number;
  /** Implicit TLS from the first byte (port 465). Otherwise STARTTLS when the server offers it. */
  secure?: boolean;
  /**
   * Refuse to send unless STARTTLS succeeds. Default: required for every host but loopback
   * (see requiresStartTls); false is an explicit opt-out.
   */
  requireTLS?: boolean;
  tls?: {
    /** Default true: a server certificate that does not verify is refused. */
    rejectUnauthorized?: boolean;
    /** PEM of a private CA that signed the server certificate. */
    ca?: string;
    /** The name to verify the certificate against, when `host` is an IP or an alias. */
    servername?: string;
  };
  auth?: { user: string; pass: string };
  from: string;
  /** Connection, greeting and socket timeouts (default 30 s each). */
  timeoutMs?: number;
  now?: () => Date;
}

/**
 * The password and the invitation links must never cross a network in clear: STARTTLS is
 * required unless TLS is implicit (`secure`), the server is this machine (loopback traffic
 * never leaves it), or the caller opted out explicitly (`requireTLS: false`).
 */
export function requiresStartTls(host: string, secure: boolean, explicit?: boolean): boolean {
  if (explicit !== undefined) return explicit;
  return !secure && !isLoopback(host);
}

function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return (
    h === "localhost" ||
    h.endsWith(".localhost") ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) ||
    h === "::1"
  );
}

/**
 * Sends invitations through an SMTP relay with nodemailer. The password is handed to the
 * transport only: `describe` shows `smtp://user@host:port`, and nodemailer's logger stays off.
 */
export class SmtpMailer implements Mailer {
  readonly describe: string;
  /** Whether a server that does not upgrade the connection with STARTTLS is refused. */
  readonly startTlsRequired: boolean;
  private readonly transportOptions: SMTPTransport.Options;
  private transport: Promise<Transporter<SentMessageInfo>> | undefined;
  private readonly from: string;
  private readonly now: () => Date;

  constructor(options: SmtpMailerOptions) {
    const user = options.auth ? `${encodeURIComponent(options.auth.user)}@` : "";
    const scheme = options.secure ? "smtps" : "smtp";
    this.describe = `${scheme}://${user}${options.host}:${options.port}`;
    this.from = options.from;
    this.now = options.now ?? (() => new Date());
    const timeout = options.timeoutMs ?? 30_000;
    this.startTlsRequired = requiresStartTls(
      options.host,
      options.secure ?? false,
      options.requireTLS,
    );
    this.transportOptions = {
      host: options.host,
      port: options.port,
      secure: options.secure ?? false,
      requireTLS: this.startTlsRequired,
      ...(options.auth ? { auth: { user: options.auth.user, pass: options.auth.pass } } : {}),
      tls: {
        rejectUnauthorized: options.tls?.rejectUnauthorized ?? true,
        minVersion: "TLSv1.2",
        ...(options.tls?.ca === undefined ? {} : { ca: options.tls.ca }),
        ...(options.tls?.servername === undefined ? {} : { servername: options.tls.servername }),
      },
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      logger: false,
      debug: false,
    };
  }

  async sendInvite(message: InviteMessage): Promise<void> {
    const mail = inviteMail(message, { from: this.from, date: this.now() });
    try {
      const transport = await (this.transport ??= import("nodemailer").then((nodemailer) =>
        nodemailer.createTransport(this.transportOptions),
      ));
      await transport.sendMail(mail);
    } catch (error) {
      throw mailError(error, message.email, this.describe);
    }
  }

  close(): void {
    void this.transport?.then((transport) => transport.close());
  }
}
