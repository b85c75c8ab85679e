import { afterEach, describe, expect, it } from "vitest";
import { SqliteBackend } from "../../controller/adapters/backends/sqlite/backend.js";
import type { InviteMessage, Mailer } from "../../controller/model/index.js";
import type { TempStore } from "./helpers.js";
import { SYSTEM, codeOf, ctx, openTempStore, settings } from "./helpers.js";

let t: TempStore;
afterEach(() => t.cleanup());

const HOUR = 3600;

async function withAcme(options: Parameters<typeof openTempStore>[0] = {}): Promise<TempStore> {
  t = openTempStore(options);
  t.store.createOrganization(
    SYSTEM,
    "acme",
    settings({ inviteExpirySeconds: 24 * HOUR }),
    "alice@acme.com",
  );
  return Promise.resolve(t);
}

describe("invitations (R7) and their expiry, on an injected clock", () => {
  it("a pending invitation reads as expired once its time has passed, everywhere", async () => {
    await withAcme();
    await t.store.invite(SYSTEM, "acme", "bob@acme.com", "member");
    expect(t.store.snapshot("acme")!.invitations[0]!.status).toBe("pending");
    t.clock.advance(24 * HOUR - 1);
    expect(t.store.listInvitations(SYSTEM, "acme").items[0]!.status).toBe("pending");
    t.clock.advance(1);
    expect(t.store.snapshot("acme")!.invitations[0]).toMatchObject({
      status: "expired",
      expiresAt: "2025-03-02T09:00:00.000Z",
    });
    expect(t.store.listInvitations(SYSTEM, "acme").items[0]!.status).toBe("expired");
    // The row itself is still 'pending': expiry is computed, never a background job.
    expect(t.rows("SELECT status FROM invitations")).toEqual([{ status: "pending" }]);
  });

  it("an expired invitation cannot be accepted; resend issues a new token and expiry", async () => {
    await withAcme();
    const first = await t.store.invite(SYSTEM, "acme", "bob@acme.com", "member");
    t.clock.advance(25 * HOUR);
    expect(codeOf(() => t.store.acceptInvitation(first.token!))).toBe("gone");
    expect(() => t.store.acceptInvitationByEmail(SYSTEM, "acme", "bob@acme.com")).toThrow(
      /expired at 2025-03-02T09:00:00.000Z; ask an admin to resend it/,
    );
    const resent = await t.store.resendInvite(SYSTEM, "acme", "bob@acme.com");
    expect(resent.invitation).toMatchObject({
      status: "pending",
      expiresAt: "2025-03-03T10:00:00.000Z",
    });
    expect(resent.token).not.toBe(first.token);
    expect(codeOf(() => t.store.acceptInvitation(first.token!))).toBe("not-found"); // superseded
    expect(t.store.acceptInvitation(resent.token!)).toMatchObject({
      outcome: "applied",
      role: "member",
      email: "bob@acme.com",
    });
    expect(codeOf(() => t.store.acceptInvitation(resent.token!))).toBe("gone"); // one-time
    expect(t.store.listMembers(SYSTEM, "acme").items.map((m) => m.email)).toEqual([
      "alice@acme.com",
      "bob@acme.com",
    ]);
    expect(
      await t.store.resendInvite(SYSTEM, "acme", "zed@acme.com").catch((e: Error) => e.message),
    ).toMatch(/no open invitation for zed@acme.com/);
  });

  it("invite is an upsert: same role noop, other role updated (new token), expired renewed", async () => {
    await withAcme();
    const first = await t.store.invite(SYSTEM, "acme", "Bob@Acme.com", "member");
    expect((await t.store.invite(SYSTEM, "acme", "bob@acme.com", "member")).outcome).toBe("noop");
    const changed = await t.store.invite(SYSTEM, "acme", "bob@acme.com", "admin");
    expect(changed).toMatchObject({ outcome: "applied", invitation: { role: "admin" } });
    expect(changed.token).not.toBe(first.token);
    t.clock.advance(48 * HOUR);
    expect((await t.store.invite(SYSTEM, "acme", "bob@acme.com", "admin")).outcome).toBe("applied");
    expect(t.rows("SELECT email, role, status FROM invitations")).toEqual([
      { email: "bob@acme.com", role: "admin", status: "pending" },
    ]);
    expect((await t.store.invite(SYSTEM, "acme", "alice@acme.com", "member")).alreadyMember).toBe(
      true,
    );
    await expect(t.store.invite(SYSTEM, "acme", "bob@acme.com", "owner" as never)).rejects.toThrow(
      /R7/,
    );
  });

  it("cancel closes the invitation and its token; cancelling again is a noop", async () => {
    await withAcme();
    const { token } = await t.store.invite(SYSTEM, "acme", "bob@acme.com", "member");
    expect(t.store.cancelInvite(SYSTEM, "acme", "bob@acme.com").outcome).toBe("applied");
    expect(t.store.cancelInvite(SYSTEM, "acme", "bob@acme.com").outcome).toBe("noop");
    expect(codeOf(() => t.store.acceptInvitation(token!))).toBe("gone");
    expect(t.store.snapshot("acme")!.invitations).toEqual([]);
    expect(() => t.store.acceptInvitationByEmail(SYSTEM, "acme", "bob@acme.com")).toThrow(
      /no pending invitation for bob@acme.com in "acme"/,
    );
  });

  it("a user may accept only their own invitation", async () => {
    await withAcme();
    await t.store.invite(SYSTEM, "acme", "bob@acme.com", "member");
    const eve = { kind: "user" as const, email: "eve@acme.com", role: "member" as const };
    expect(codeOf(() => t.store.acceptInvitationByEmail(eve, "acme", "bob@acme.com"))).toBe(
      "forbidden",
    );
    const bob = { kind: "user" as const, email: "bob@acme.com", role: "member" as const };
    expect(t.store.acceptInvitationByEmail(bob, "acme", "bob@acme.com").outcome).toBe("applied");
  });

  it("pages open invitations with a cursor (limit ≤ 200)", async () => {
    await withAcme();
    for (let i = 0; i < 7; i++) await t.store.invite(SYSTEM, "acme", `u${i}@acme.com`, "member");
    const first = t.store.listInvitations(SYSTEM, "acme", { limit: 3 });
    const second = t.store.listInvitations(SYSTEM, "acme", { limit: 3, cursor: first.nextCursor! });
    const third = t.store.listInvitations(SYSTEM, "acme", { limit: 3, cursor: second.nextCursor! });
    expect([...first.items, ...second.items, ...third.items].map((i) => i.email)).toEqual(
      [0, 1, 2, 3, 4, 5, 6].map((i) => `u${i}@acme.com`),
    );
    expect(third.nextCursor).toBeUndefined();
    expect(codeOf(() => t.store.listInvitations(SYSTEM, "acme", { limit: 201 }))).toBe("invalid");
    expect(codeOf(() => t.store.listInvitations(SYSTEM, "acme", { cursor: "garbage!" }))).toBe(
      "invalid",
    );
  });
});

class RecordingMailer implements Mailer {
  readonly describe = "recording";
  sent: InviteMessage[] = [];
  failWith: string | undefined;
  sendInvite(message: InviteMessage): Promise<void> {
    if (this.failWith !== undefined)
      return Promise.reject(new Error(`${this.failWith} ${message.acceptUrl}`));
    this.sent.push(message);
    return Promise.resolve();
  }
}

describe("invitation mail", () => {
  it("is sent after the commit with a working accept link", async () => {
    const mailer = new RecordingMailer();
    await withAcme({ mailer, acceptUrlBase: "https://portal.example" });
    const result = await t.store.invite(SYSTEM, "acme", "bob@acme.com", "admin");
    expect(result.delivery).toEqual({ sent: true, via: "recording" });
    expect(mailer.sent).toHaveLength(1);
    const message = mailer.sent[0]!;
    expect(message).toMatchObject({
      org: "acme",
      orgDisplayName: "Acme Inc.",
      email: "bob@acme.com",
      role: "admin",
    });
    const token = new URL(message.acceptUrl).searchParams.get("token")!;
    expect(message.acceptUrl.startsWith("https://portal.example/accept?token=ri_")).toBe(true);
    expect(t.store.acceptInvitation(token)).toMatchObject({ org: "acme", role: "admin" });
    // A noop sends nothing.
    await t.store.invite(SYSTEM, "acme", "carl@acme.com", "member");
    await t.store.invite(SYSTEM, "acme", "carl@acme.com", "member");
    expect(mailer.sent).toHaveLength(2);
  });

  it("a failed send is reported (token redacted), and the invitation stays", async () => {
    const mailer = new RecordingMailer();
    mailer.failWith = "SMTP 550 refused";
    await withAcme({ mailer });
    const result = await t.store.invite(SYSTEM, "acme", "bob@acme.com", "member");
    expect(result.outcome).toBe("applied");
    expect(result.delivery).toMatchObject({ sent: false });
    const error = (result.delivery as { error: string }).error;
    expect(error).toContain("SMTP 550 refused");
    expect(error).toContain("[link]");
    expect(error).not.toContain(result.token!);
    // Not a transient error: the job failed for good, and the link left the store.
    expect(t.rows("SELECT status, message_json, last_error FROM mail_jobs")).toEqual([
      { status: "failed", message_json: null, last_error: error },
    ]);
    expect(t.rows("SELECT email FROM invitations WHERE status = 'pending'")).toEqual([
      { email: "bob@acme.com" },
    ]);

    const warnings: string[] = [];
    const backend = new SqliteBackend(t.store, {
      describe: "x",
      ownsStore: false,
      onWarning: (m) => warnings.push(m),
    });
    expect(await backend.invite("acme", "eve@acme.com", "member", ctx("k"))).toBe("applied");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /invitation of eve@acme.com to acme was saved but its mail was not sent: SMTP 550/,
    );
  });
});
