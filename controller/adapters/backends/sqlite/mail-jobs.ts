import { randomBytes } from "node:crypto";
import type { InviteMessage } from "../../../model/index.js";
import type { SqliteDatabase } from "./database.js";
import type { Sql, Tx } from "./store-core.js";

export type MailJobKind = "invite" | "resend";

/** A job taken by one dispatcher: only it sends this message until the claim runs out. */
export interface ClaimedJob {
  id: string;
  org: string;
  email: string;
  attempts: number;
  message: InviteMessage;
}

/** An open invitation whose latest mail has not been delivered (yet, or at all). */
export interface UndeliveredMail {
  org: string;
  email: string;
  /** `pending`: will be retried; `failed`: a permanent error, retrying will not help. */
  status: "pending" | "failed";
  attempts: number;
  lastError: string | null;
  /** The error's kind (`unavailable`, `mail-rejected`, `unauthenticated`, `tls`, …). */
  reason: string | null;
}

/** Who holds a claim, and whether another holder is still alive. */
export interface Claimer {
  id: string;
  /** False only when the holder is known dead (a process of this host that exited). */
  alive(holder: string): boolean;
}

export interface FailedAttempt {
  kind: string;
  message: string;
}

interface JobRow {
  id: string;
  org: string;
  email: string;
  attempts: number;
  claimed_by: string | null;
  claimed_until: string | null;
  message_json: string | null;
  invitation_status: string;
  invitation_expires_at: string;
}

/**
 * Ids sort by creation time, so the outbox mailer's files do; the random part keeps two
 * processes in one millisecond apart. "The latest job of an invitation" is the highest rowid.
 */
export function newJobId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(".", "");
  return `${stamp}-${randomBytes(4).toString("hex")}`;
}

/**
 * Queues the mail of an invitation in the transaction that issued its token, so the two
 * commit together. Older pending jobs of the same invitation carry a dead link: superseded.
 */
export function enqueueInviteMail(
  tx: Tx,
  job: { invitationId: number; kind: MailJobKind; message: Omit<InviteMessage, "id"> },
): string {
  tx.sql
    .get(
      `UPDATE mail_jobs SET status = 'superseded', message_json = NULL, claimed_by = NULL,
         claimed_until = NULL WHERE invitation_id = ? AND status = 'pending'`,
    )
    .run(job.invitationId);
  const id = newJobId(tx.now);
  const message: InviteMessage = { ...job.message, id };
  tx.sql
    .get(
      `INSERT INTO mail_jobs (id, org, email, invitation_id, kind, next_attempt_at, message_json, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      id,
      message.org,
      message.email,
      job.invitationId,
      job.kind,
      tx.time,
      JSON.stringify(message),
      tx.time,
    );
  return id;
}

export function pendingInvitationId(tx: Tx, orgId: number, email: string): number | undefined {
  const row = tx.sql
    .get("SELECT id FROM invitations WHERE org_id = ? AND email = ? AND status = 'pending'")
    .get(orgId, email) as { id: number } | undefined;
  return row?.id;
}

/** The outbox's state changes; each one is its own short IMMEDIATE transaction. */
export class MailJobs {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly sql: Sql,
    private readonly now: () => Date,
  ) {}

  /**
   * Claims up to `limit` jobs (or just `onlyId`): due ones, or every pending one when `eager`
   * (a person running `apply` wants the mail out now, whatever the backoff said). A job held
   * by a live claimer is skipped; a job whose invitation closed or expired is superseded.
   */
  claim(
    claimer: Claimer,
    options: {
      limit: number;
      leaseMs: number;
      eager?: boolean;
      onlyId?: string;
      /** Jobs this sweep already tried: an eager sweep takes each job once. */
      exclude?: ReadonlySet<string>;
    },
  ): ClaimedJob[] {
    return this.db
      .transaction(() => {
        const now = this.now();
        const time = now.toISOString();
        const rows = this.sql
          .get(
            `SELECT j.id, j.org, j.email, j.attempts, j.claimed_by, j.claimed_until, j.message_json,
                    i.status AS invitation_status, i.expires_at AS invitation_expires_at
             FROM mail_jobs j JOIN invitations i ON i.id = j.invitation_id
             WHERE j.status = 'pending' AND (? IS NULL OR j.id = ?) AND (? = 1 OR j.next_attempt_at <= ?)
               AND j.id NOT IN (SELECT value FROM json_each(?))
             ORDER BY j.next_attempt_at, j.id LIMIT ?`,
          )
          .all(
            options.onlyId ?? null,
            options.onlyId ?? null,
            options.eager ? 1 : 0,
            time,
            JSON.stringify([...(options.exclude ?? [])]),
            options.limit * 4,
          ) as JobRow[];
        const claimed: ClaimedJob[] = [];
        const until = new Date(now.getTime() + options.leaseMs).toISOString();
        for (const row of rows) {
          if (claimed.length >= options.limit) break;
          if (heldByOther(row, claimer, time)) continue;
          if (row.invitation_status !== "pending" || row.invitation_expires_at <= time) {
            this.close(row.id, "superseded", {
              kind: "superseded",
              message: `the invitation was ${row.invitation_status === "pending" ? "expired" : row.invitation_status} before its mail went out`,
            });
            continue;
          }
          this.sql
            .get(
              `UPDATE mail_jobs SET claimed_by = ?, claimed_until = ?, next_attempt_at = ?,
                 attempts = attempts + 1 WHERE id = ?`,
            )
            .run(claimer.id, until, until, row.id);
          claimed.push({
            id: row.id,
            org: row.org,
            email: row.email,
            attempts: row.attempts + 1,
            message: JSON.parse(row.message_json ?? "null") as InviteMessage,
          });
        }
        return claimed;
      })
      .immediate();
  }

  /** The server accepted the message: never send it again, and forget the link. */
  delivered(id: string): void {
    this.sql
      .get(
        `UPDATE mail_jobs SET status = 'delivered', delivered_at = ?, message_json = NULL,
           claimed_by = NULL, claimed_until = NULL WHERE id = ?`,
      )
      .run(this.now().toISOString(), id);
  }

  retryAt(id: string, error: FailedAttempt, at: Date): void {
    this.sql
      .get(
        `UPDATE mail_jobs SET last_error = ?, last_error_kind = ?, next_attempt_at = ?,
           claimed_by = NULL, claimed_until = NULL WHERE id = ? AND status = 'pending'`,
      )
      .run(error.message, error.kind, at.toISOString(), id);
  }

  failed(id: string, error: FailedAttempt): void {
    this.close(id, "failed", error);
  }

  /** When the earliest pending job may be tried (claims included: they end by then). */
  nextAttemptAt(): Date | undefined {
    const row = this.sql
      .get("SELECT min(next_attempt_at) AS at FROM mail_jobs WHERE status = 'pending'")
      .get() as { at: string | null };
    return row.at === null ? undefined : new Date(row.at);
  }

  /** Pending jobs another process has claimed and is sending now (its claim not expired). */
  claimedElsewhere(claimer: Claimer): number {
    const row = this.sql
      .get(
        `SELECT count(*) AS n FROM mail_jobs
         WHERE status = 'pending' AND claimed_by IS NOT NULL AND claimed_by <> ? AND claimed_until > ?`,
      )
      .get(claimer.id, this.now().toISOString()) as { n: number };
    return row.n;
  }

  /** Open, unexpired invitations whose latest mail is pending or failed, by org then email. */
  undelivered(org?: string): UndeliveredMail[] {
    const rows = this.sql
      .get(
        `SELECT j.org, j.email, j.status, j.attempts, j.last_error, j.last_error_kind
         FROM mail_jobs j JOIN invitations i ON i.id = j.invitation_id
         WHERE j.status IN ('pending', 'failed') AND i.status = 'pending' AND i.expires_at > ?
           AND (? IS NULL OR j.org = ?)
           AND NOT EXISTS (SELECT 1 FROM mail_jobs k WHERE k.invitation_id = j.invitation_id AND k.rowid > j.rowid)
         ORDER BY j.org, j.email`,
      )
      .all(this.now().toISOString(), org ?? null, org ?? null) as {
      org: string;
      email: string;
      status: "pending" | "failed";
      attempts: number;
      last_error: string | null;
      last_error_kind: string | null;
    }[];
    return rows.map((r) => ({
      org: r.org,
      email: r.email,
      status: r.status,
      attempts: r.attempts,
      lastError: r.last_error,
      reason: r.last_error_kind,
    }));
  }

  private close(id: string, status: "failed" | "superseded", error: FailedAttempt): void {
    this.sql
      .get(
        `UPDATE mail_jobs SET status = ?, last_error = ?, last_error_kind = ?, message_json = NULL,
           claimed_by = NULL, claimed_until = NULL WHERE id = ? AND status = 'pending'`,
      )
      .run(status, error.message, error.kind, id);
  }
}

function heldByOther(row: JobRow, claimer: Claimer, time: string): boolean {
  if (row.claimed_by === null || row.claimed_until === null || row.claimed_until <= time) {
    return false;
  }
  // Our own live claim is a send in flight in this process: never start a second one.
  return row.claimed_by === claimer.id || claimer.alive(row.claimed_by);
}
