import Database from "better-sqlite3";
import { hostname } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { PortalStore } from "../../controller/adapters/backends/sqlite/store.js";
import type { PortalStoreOptions } from "../../controller/adapters/backends/sqlite/store-types.js";
import type { InviteMessage, Mailer } from "../../controller/model/index.js";
import { BackendError } from "../../controller/model/index.js";
import type { TempStore } from "./helpers.js";
import { SYSTEM, openTempStore, settings } from "./helpers.js";

/** A mailer a test scripts: each send takes the next outcome (default: accepted). */
class ScriptedMailer implements Mailer {
  readonly describe = "scripted";
  readonly accepted: InviteMessage[] = [];
  readonly tried: string[] = [];
  outcomes: ("ok" | "down" | "reject" | "hang")[] = [];
  private release: (() => void) | undefined;

  sendInvite(message: InviteMessage): Promise<void> {
    this.tried.push(message.email);
    const outcome = this.outcomes.shift() ?? "ok";
    if (outcome === "down") {
      return Promise.reject(
        new BackendError("unavailable", `connect ECONNREFUSED (${message.acceptUrl})`, {
          transient: true,
        }),
      );
    }
    if (outcome === "reject") {
      return Promise.reject(new BackendError("mail-rejected", "550 5.1.1 no such mailbox"));
    }
    if (outcome === "hang") {
      return new Promise((resolve) => {
        this.release = () => {
          this.accepted.push(message);
          resolve();
        };
      });
    }
    this.accepted.push(message);
    return Promise.resolve();
  }

  finishHanging(): void {
    this.release?.();
  }
}

interface JobRow {
  email: string;
  status: string;
  attempts: number;
  message_json: string | null;
  last_error: string | null;
  last_error_kind: string | null;
}

let t: TempStore;
const opened: PortalStore[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  t.cleanup();
});

function withAcme(options: PortalStoreOptions = {}): TempStore {
  t = openTempStore({ mailBackoff: { baseDelayMs: 1_000, maxDelayMs: 8_000 }, ...options });
  t.store.createOrganization(SYSTEM, "acme", settings(), "alice@acme.com");
  return t;
}

const jobs = () =>
  t.rows<JobRow>(
    "SELECT email, status, attempts, message_json, last_error, last_error_kind FROM mail_jobs ORDER BY rowid",
  );

/** The same file opened again, as another process (`roster serve`, the next apply) would. */
function reopen(mailer: Mailer): PortalStore {
  const store = PortalStore.open(t.file, {
    now: t.clock.now,
    mailer,
    mailBackoff: { baseDelayMs: 1_000, maxDelayMs: 8_000 },
  });
  opened.push(store);
  return store;
}

describe("the invitation outbox", () => {
  it("commits the mail job with the invitation; a store without a mailer leaves it for a dispatcher", async () => {
    withAcme();
    const result = await t.store.invite(SYSTEM, "acme", "bob@acme.com", "member");
    expect(result.delivery).toBeUndefined();
    const [job] = jobs();
    expect(job).toMatchObject({ email: "bob@acme.com", status: "pending", attempts: 0 });
    // Only a pending job holds the link (and so the token): that is how it survives a crash.
    expect(JSON.parse(job!.message_json!)).toMatchObject({
      email: "bob@acme.com",
      acceptUrl: expect.stringContaining(encodeURIComponent(result.token!)) as string,
    });

    const mailer = new ScriptedMailer();
    const other = reopen(mailer);
    expect(await other.mail!.drain({ waitMs: 0 })).toEqual({
      delivered: 1,
      undelivered: [],
      interrupted: false,
    });
    expect(mailer.accepted.map((m) => m.email)).toEqual(["bob@acme.com"]);
    expect(jobs()).toEqual([expect.objectContaining({ status: "delivered", message_json: null })]);
    // Delivered is final: another drain sends nothing.
    await other.mail!.drain({ waitMs: 0 });
    expect(mailer.tried).toHaveLength(1);
  });

  it("a resend supersedes the pending job: its dead link is blanked and never sent", async () => {
    withAcme();
    await t.store.invite(SYSTEM, "acme", "bob@acme.com", "member");
    const resent = await t.store.resendInvite(SYSTEM, "acme", "bob@acme.com");
    expect(jobs().map((j) => [j.status, j.message_json === null])).toEqual([
      ["superseded", true],
      ["pending", false],
    ]);
    const mailer = new ScriptedMailer();
    await reopen(mailer).mail!.drain({ waitMs: 0 });
    expect(mailer.accepted).toHaveLength(1);
    expect(mailer.accepted[0]!.acceptUrl).toContain(encodeURIComponent(resent.token!));
  });

  it("retries a transient error with capped backoff, keeps the last error, and delivers once", async () => {
    const mailer = new ScriptedMailer();
    mailer.outcomes = ["down", "down", "down", "down", "down"];
    withAcme({ mailer });
    const first = await t.store.invite(SYSTEM, "acme", "bob@acme.com", "member");
    expect(first.delivery).toMatchObject({ sent: false });
    expect((first.delivery as { error: string }).error).not.toContain(first.token!);
    expect(jobs()[0]).toMatchObject({
      status: "pending",
      attempts: 1,
      last_error_kind: "unavailable",
    });
    expect(jobs()[0]!.last_error).toContain("[link]");

    // Not due yet: a plain sweep leaves it alone.
    expect(await t.store.mail!.sweep()).toBe(0);
    expect(mailer.tried).toHaveLength(1);
    const waits: number[] = [];
    for (let attempt = 2; attempt <= 5; attempt++) {
      const due = t.rows<{ at: string }>("SELECT next_attempt_at AS at FROM mail_jobs")[0]!.at;
      waits.push(Date.parse(due) - t.clock.time);
      t.clock.time = Date.parse(due);
      await t.store.mail!.sweep();
      expect(mailer.tried).toHaveLength(attempt);
    }
    // 1 s, 2 s, 4 s, 8 s floors (additive jitter below one base), the last one capped at 8 s.
    expect(waits[0]).toBeGreaterThanOrEqual(1_000);
    expect(waits[1]).toBeGreaterThanOrEqual(2_000);
    expect(waits[2]).toBeGreaterThanOrEqual(4_000);
    expect(waits[3]).toBe(8_000);
    expect(t.store.undeliveredMail()).toEqual([
      expect.objectContaining({ email: "bob@acme.com", status: "pending", attempts: 5 }),
    ]);
    t.clock.time = Date.parse(
      t.rows<{ at: string }>("SELECT next_attempt_at AS at FROM mail_jobs")[0]!.at,
    );
    expect(await t.store.mail!.sweep()).toBe(1);
    expect(mailer.accepted).toHaveLength(1);
    expect(jobs()[0]).toMatchObject({ status: "delivered", attempts: 6, message_json: null });
    expect(t.store.undeliveredMail()).toEqual([]);
  });

  it("a permanent error stops the retries and stays visible until a resend", async () => {
    const mailer = new ScriptedMailer();
    mailer.outcomes = ["reject"];
    withAcme({ mailer });
    await t.store.invite(SYSTEM, "acme", "nobody@acme.com", "member");
    t.clock.advance(3600);
    expect((await t.store.mail!.drain({ waitMs: 0 })).undelivered).toEqual([
      {
        org: "acme",
        email: "nobody@acme.com",
        status: "failed",
        attempts: 1,
        lastError: "550 5.1.1 no such mailbox",
        reason: "mail-rejected",
      },
    ]);
    expect(mailer.tried).toHaveLength(1);
    const resent = await t.store.resendInvite(SYSTEM, "acme", "nobody@acme.com");
    expect(resent.delivery).toEqual({ sent: true, via: "scripted" });
    expect(t.store.undeliveredMail()).toEqual([]);
  });

  it("never mails a cancelled, accepted or expired invitation", async () => {
    withAcme();
    await t.store.invite(SYSTEM, "acme", "cancelled@acme.com", "member");
    const accepted = await t.store.invite(SYSTEM, "acme", "accepted@acme.com", "member");
    await t.store.invite(SYSTEM, "acme", "late@acme.com", "member");
    t.store.cancelInvite(SYSTEM, "acme", "cancelled@acme.com");
    t.store.acceptInvitation(accepted.token!);
    t.store.updateOrganization(SYSTEM, "acme", settings({ inviteExpirySeconds: 3600 }));
    t.clock.advance(8 * 86400);
    const mailer = new ScriptedMailer();
    await reopen(mailer).mail!.drain({ waitMs: 0 });
    expect(mailer.tried).toEqual([]);
    expect(jobs().map((j) => [j.email, j.status, j.message_json])).toEqual([
      ["cancelled@acme.com", "superseded", null],
      ["accepted@acme.com", "superseded", null],
      ["late@acme.com", "superseded", null],
    ]);
  });

  it("a job in flight in one dispatcher is not sent by another; a dead holder's claim is released", async () => {
    const mailer = new ScriptedMailer();
    mailer.outcomes = ["hang"];
    withAcme({ mailer });
    const sending = t.store.invite(SYSTEM, "acme", "bob@acme.com", "member");
    // Wait for the first send to be in flight (its claim is committed).
    const deadline = Date.now() + 5_000;
    while (mailer.tried.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const second = new ScriptedMailer();
    await reopen(second).mail!.drain({ waitMs: 0 });
    expect(second.tried).toEqual([]);
    mailer.finishHanging();
    expect((await sending).delivery).toEqual({ sent: true, via: "scripted" });

    // A claim left by a process of this host that no longer exists is taken over at once.
    await t.store.invite(SYSTEM, "acme", "carl@acme.com", "member");
    const deadPid = 2 ** 22 + 12345; // above Linux's pid_max: no such process
    const db = new Database(t.file);
    db.prepare(
      "UPDATE mail_jobs SET status = 'pending', claimed_by = ?, claimed_until = ?, next_attempt_at = ?, message_json = ? WHERE email = 'carl@acme.com'",
    ).run(
      `${hostname()}/${deadPid}/dead`,
      new Date(t.clock.time + 60_000).toISOString(),
      new Date(t.clock.time + 60_000).toISOString(),
      JSON.stringify({ ...mailer.accepted[0]!, email: "carl@acme.com", id: "x" }),
    );
    db.close();
    const third = new ScriptedMailer();
    await reopen(third).mail!.drain({ waitMs: 0 });
    expect(third.tried).toEqual(["carl@acme.com"]);
  });

  it("an idempotent replay of an invite queues no second mail", async () => {
    const mailer = new ScriptedMailer();
    withAcme({ mailer });
    await t.store.invite(SYSTEM, "acme", "bob@acme.com", "member", { idempotencyKey: "k1" });
    const replay = await t.store.invite(SYSTEM, "acme", "bob@acme.com", "member", {
      idempotencyKey: "k1",
    });
    expect(replay.replayed).toBe(true);
    expect(jobs()).toHaveLength(1);
    expect(mailer.accepted).toHaveLength(1);
  });
});
