import type { gmail_v1 } from "@googleapis/gmail";
import type { InviteMessage, Mailer } from "../../model/index.js";
import {
  createAuthClient,
  describeCredentials,
  SCOPES,
  type GoogleCredentials,
} from "../backends/google/auth.js";
import { toBackendError } from "../backends/google/errors.js";
import { composeInvite } from "./compose.js";

export interface GmailMailerOptions {
  /** The mailbox that sends: with domain-wide delegation, the subject of the credentials. */
  sender: string;
  /** Shown before the address in From (default `Roster`). */
  senderName?: string;
  credentials: GoogleCredentials;
  /** Another API endpoint (a local fake in tests). */
  rootUrl?: string;
  timeoutMs?: number;
  now?: () => Date;
}

/**
 * Sends invitations from a Workspace mailbox with the Gmail API (`users.messages.send` with
 * the whole RFC 5322 message, base64url-encoded, in `raw`). Needs the `gmail.send` scope only.
 */
export class GmailMailer implements Mailer {
  readonly describe: string;
  private client: Promise<gmail_v1.Gmail> | undefined;

  constructor(private readonly options: GmailMailerOptions) {
    this.describe = `gmail:${options.sender} (${describeCredentials(options.credentials)})`;
  }

  async sendInvite(message: InviteMessage): Promise<void> {
    const from = `${this.options.senderName ?? "Roster"} <${this.options.sender}>`;
    const raw = await composeInvite(message, {
      from,
      date: (this.options.now ?? (() => new Date()))(),
    });
    const api = await this.api();
    try {
      await api.users.messages.send({
        userId: "me",
        requestBody: { raw: raw.toString("base64url") },
      });
    } catch (error) {
      throw toBackendError(
        error,
        `send the invitation to ${message.email} from ${this.options.sender}`,
      );
    }
  }

  private api(): Promise<gmail_v1.Gmail> {
    this.client ??= Promise.all([
      createAuthClient(this.options.credentials, [SCOPES.gmailSend]),
      import("@googleapis/gmail"),
    ]).then(
      ([auth, { gmail }]) =>
        gmail({
          version: "v1",
          auth,
          // The caller (the store's invite, the executor) decides about retries.
          retry: false,
          timeout: this.options.timeoutMs ?? 30_000,
          ...(this.options.rootUrl === undefined ? {} : { rootUrl: this.options.rootUrl }),
        }),
      (error: unknown) => {
        this.client = undefined;
        throw toBackendError(error, "set up Google credentials for Gmail");
      },
    );
    return this.client;
  }
}
