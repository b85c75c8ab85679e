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
 * would have been sent, in any mail client. A file is named by its delivery job, whose id
 * sorts by time: `20250301T100000000Z-3fa2c1d4-bob_acme.com.eml`; a retry of the same job
 * (after a crash between the write and its record) rewrites that file instead of adding one.
 * Files are private (0600): they hold the invitation token.
 */
export class OutboxMailer implements Mailer {
  readonly describe: string;
  private readonly dir: string;
  private readonly from: string;
  private readonly now: () => Date;

  constructor(options: OutboxMailerOptions = {}) {
    this.dir = options.dir ?? DEFAULT_OUTBOX_DIR;
    this.from = options.from ?? DEFAULT_FROM;
    this.now = options.now ?? (() => new Date());
    this.describe = `outbox:${this.dir}`;
  }

  async sendInvite(message: InviteMessage): Promise<void> {
    const date = this.now();
    const raw = await composeInvite(message, { from: this.from, date });
    const name = fileName(message);
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
}

function fileName(message: InviteMessage): string {
  const safe = (text: string, max: number) =>
    text
      .toLowerCase()
      .replace(/@/g, "_")
      .replace(/[^a-z0-9._+-]/g, "-")
      .slice(0, max);
  // The temp file starts with a dot: a name never does, so no job id can collide with one.
  return `${safe(message.id, 80).replace(/^\./, "-")}-${safe(message.email, 64)}.eml`;
}
