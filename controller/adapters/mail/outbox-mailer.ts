import { randomBytes } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { InviteMessage, Mailer } from "../../model/index.js";
import { composeInvite } from "./compose.js";
import { mailError } from "./errors.js";

export interface OutboxMailerOptions {
  /** Default `.roster/outbox`. */
  dir?: string;
  /** Default `Roster <roster@localhost>`. */
  from?: string;
  now?: () => Date;
}

export const DEFAULT_OUTBOX_DIR = ".roster/outbox";
export const DEFAULT_FROM = "Roster <roster@localhost>";

/**
 * The default mailer: one `.eml` file per invitation, so a new user (or a test) can open what
 * would have been sent, in any mail client. Names sort by time:
 * `2025-03-01T10-00-00.000Z-0001-3fa2c1-bob_acme.com.eml`. Files are private (0600): they hold
 * the invitation token.
 */
export class OutboxMailer implements Mailer {
  readonly describe: string;
  private readonly dir: string;
  private readonly from: string;
  private readonly now: () => Date;
  private sequence = 0;

  constructor(options: OutboxMailerOptions = {}) {
    this.dir = options.dir ?? DEFAULT_OUTBOX_DIR;
    this.from = options.from ?? DEFAULT_FROM;
    this.now = options.now ?? (() => new Date());
    this.describe = `outbox:${this.dir}`;
  }

  async sendInvite(message: InviteMessage): Promise<void> {
    const date = this.now();
    const raw = await composeInvite(message, { from: this.from, date });
    const name = this.fileName(date, message.email);
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      // Written under a dot name then renamed: a reader never sees half a message.
      const temp = join(this.dir, `.${name}.tmp`);
      await writeFile(temp, raw, { mode: 0o600 });
      await rename(temp, join(this.dir, name));
    } catch (error) {
      throw mailError(error, message.email, this.describe);
    }
  }

  private fileName(date: Date, email: string): string {
    // ISO time with the colons Windows forbids replaced: still sorts chronologically.
    const stamp = date.toISOString().replace(/:/g, "-");
    const sequence = String(++this.sequence % 10_000).padStart(4, "0");
    // Another process writing in the same millisecond never collides.
    const unique = randomBytes(3).toString("hex");
    const who = email
      .toLowerCase()
      .replace(/@/g, "_")
      .replace(/[^a-z0-9._+-]/g, "-")
      .slice(0, 64);
    return `${stamp}-${sequence}-${unique}-${who}.eml`;
  }
}
