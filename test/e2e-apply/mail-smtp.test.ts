import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterEach, describe, expect, it } from "vitest";
import { RunningController, waitFor } from "../controller/run-harness.js";
import { E2E_TIMEOUT_MS, Workspace } from "./harness.js";

/**
 * A real SMTP server (smtp-server) on 127.0.0.1 port 0. While `down`, it answers every
 * connection with 421 (RFC 5321: service not available, a temporary failure); addresses in
 * `rejected` get a permanent 550 at RCPT TO.
 */
async function startSmtp() {
  const state = {
    down: true,
    rejected: new Set<string>(),
    received: [] as { to: string[]; raw: string }[],
    rcptAttempts: [] as string[],
  };
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onConnect(_session, callback) {
      if (state.down) {
        callback(Object.assign(new Error("try again later"), { responseCode: 421 }));
      } else callback();
    },
    onRcptTo(address, _session, callback) {
      state.rcptAttempts.push(address.address);
      if (state.rejected.has(address.address)) {
        callback(Object.assign(new Error("5.1.1 no such mailbox"), { responseCode: 550 }));
      } else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        state.received.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("utf8"),
        });
        callback();
      });
    },
  });
  server.on("error", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    state,
    uri: `smtp://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("invitation mail over SMTP, down then up", { timeout: E2E_TIMEOUT_MS }, () => {
  let ws: Workspace;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  afterEach(async () => {
    await smtp.close();
    ws.cleanup();
  });

  it("an apply with the server down exits 1 saying who waits and why; the next delivers each mail once", async () => {
    smtp = await startSmtp();
    ws = new Workspace();
    const emails = ["amy@acme.com", "bob@acme.com", "cat@acme.com", "dan@acme.com"];
    ws.declareOrg("acme", {
      "owner@acme.com": "owner",
      ...Object.fromEntries(emails.map((e) => [e, "member" as const])),
    });

    const down = await ws.apply("--mailer", smtp.uri, "--mail-wait", "2s");
    expect(down.code).toBe(1);
    expect(down.stdout).toContain("Applied 5, unchanged 0, failed 0");
    expect(down.stderr).toContain(
      `roster: 4 invitations wait for delivery of their mail via ${smtp.uri}`,
    );
    expect(down.stderr).toMatch(/421 try again later/);
    for (const e of emails) expect(down.stderr).toContain(`waiting: acme: ${e}`);
    expect(smtp.state.received).toEqual([]);

    // Visible until delivered: plan warns about each one (and still has no changes).
    const plan = await ws.plan("-o", "json");
    expect(plan.code).toBe(0);
    const warnings = (JSON.parse(plan.stdout) as { warnings: { code: string; email: string }[] })
      .warnings;
    expect(warnings.filter((w) => w.code === "mail-pending").map((w) => w.email)).toEqual(emails);

    smtp.state.down = false;
    smtp.state.rejected.add("dan@acme.com");
    const up = await ws.apply("--mailer", smtp.uri, "--mail-wait", "2s");
    expect(up.stdout).toContain("Applied 0, unchanged 0, failed 0");
    expect(smtp.state.received.map((m) => m.to[0]).sort()).toEqual([
      "amy@acme.com",
      "bob@acme.com",
      "cat@acme.com",
    ]);
    // The permanent refusal is reported, and the apply fails until someone acts on it.
    expect(up.code).toBe(1);
    expect(up.stderr).toContain("roster: 1 invitation mail failed for good");
    expect(up.stderr).toContain("5.1.1 no such mailbox");
    expect(up.stderr).toContain("roster portal resend dan@acme.com --org acme");
    expect(up.stderr).not.toContain("wait for delivery");

    const rcptsBefore = smtp.state.rcptAttempts.filter((a) => a === "dan@acme.com").length;
    const again = await ws.apply("--mailer", smtp.uri, "--mail-wait", "0s");
    expect(again.code).toBe(1);
    // Delivered mail is never sent again; the failed one is not retried.
    expect(smtp.state.received).toHaveLength(3);
    expect(smtp.state.rcptAttempts.filter((a) => a === "dan@acme.com")).toHaveLength(rcptsBefore);
    expect(
      ws
        .query<{
          email: string;
          status: string;
        }>("SELECT email, status FROM mail_jobs ORDER BY email")
        .map((r) => [r.email, r.status]),
    ).toEqual([
      ["amy@acme.com", "delivered"],
      ["bob@acme.com", "delivered"],
      ["cat@acme.com", "delivered"],
      ["dan@acme.com", "failed"],
    ]);
    const failedPlan = JSON.parse((await ws.plan("-o", "json")).stdout) as {
      warnings: { code: string; email: string }[];
    };
    expect(failedPlan.warnings.filter((w) => w.code.startsWith("mail-"))).toEqual([
      expect.objectContaining({ code: "mail-failed", email: "dan@acme.com" }),
    ]);
  });

  it("apply -o json carries the mail: pending with its reason, then delivered and failed; never a link or token", async () => {
    smtp = await startSmtp();
    ws = new Workspace();
    ws.declareOrg("acme", {
      "owner@acme.com": "owner",
      "amy@acme.com": "member",
      "dan@acme.com": "member",
    });
    interface MailJson {
      via: string;
      delivered: number;
      pending: {
        org: string;
        email: string;
        attempts: number;
        reason: string | null;
        error: string | null;
      }[];
      failed: {
        org: string;
        email: string;
        attempts: number;
        reason: string | null;
        error: string | null;
      }[];
    }
    const down = await ws.apply("--mailer", smtp.uri, "--mail-wait", "0s", "-o", "json");
    expect(down.code).toBe(1);
    const first = JSON.parse(down.stdout) as { mail: MailJson; ok: boolean };
    expect(first.ok).toBe(false);
    expect(first.mail).toMatchObject({ via: smtp.uri, delivered: 0, failed: [] });
    expect(first.mail.pending.map((m) => [m.email, m.reason])).toEqual([
      ["amy@acme.com", "unavailable"],
      ["dan@acme.com", "unavailable"],
    ]);
    expect(first.mail.pending[0]?.attempts).toBeGreaterThanOrEqual(1);
    expect(first.mail.pending[0]?.error).toMatch(/421 try again later/);
    // The links wait in the outbox; none of them reaches the JSON.
    const links = ws
      .query<{
        message_json: string;
      }>("SELECT message_json FROM mail_jobs WHERE message_json IS NOT NULL")
      .map((r) => (JSON.parse(r.message_json) as { acceptUrl: string }).acceptUrl);
    expect(links).toHaveLength(2);
    for (const link of links) {
      expect(down.stdout).not.toContain(link);
      expect(down.stdout).not.toContain(new URL(link).searchParams.get("token")!);
    }
    expect(down.stdout).not.toMatch(/token=|\bri_/);

    smtp.state.down = false;
    smtp.state.rejected.add("dan@acme.com");
    const up = await ws.apply("--mailer", smtp.uri, "--mail-wait", "2s", "-o", "json");
    expect(up.code).toBe(1);
    const second = JSON.parse(up.stdout) as { mail: MailJson };
    expect(second.mail.delivered).toBe(1);
    expect(second.mail.pending).toEqual([]);
    expect(second.mail.failed).toEqual([
      expect.objectContaining({ org: "acme", email: "dan@acme.com", reason: "mail-rejected" }),
    ]);
    expect(second.mail.failed[0]?.error).toMatch(/5\.1\.1 no such mailbox/);
  });

  it("the running controller exports the waiting mail and delivers it between passes once SMTP is back", async () => {
    smtp = await startSmtp();
    ws = new Workspace();
    ws.declareOrg("acme", { "owner@acme.com": "owner", "amy@acme.com": "member" });
    const run = new RunningController(
      [
        "--source",
        ws.src,
        "--backend",
        ws.backend,
        "--mailer",
        smtp.uri,
        "--listen",
        "127.0.0.1:0",
        // One pass only: whatever is delivered later is delivered between passes.
        "--interval",
        "1h",
      ],
      ws.dir,
    );
    try {
      const url = await run.started();
      await run.waitForLog((l) => l.msg === "synced" && l.org === "acme");
      const metrics = async () => (await fetch(`${url}/metrics`)).text();
      const before = await metrics();
      expect(before).toContain('roster_mail_pending{org="acme"} 1');
      expect(before).toMatch(/roster_mail_failures_total\{org="acme",reason="unavailable"\} [1-9]/);

      smtp.state.down = false;
      await waitFor(() => smtp.state.received.length > 0, 60_000);
      await waitForText(metrics, 'roster_mail_pending{org="acme"} 0', 10_000);
      expect(smtp.state.received.map((m) => m.to)).toEqual([["amy@acme.com"]]);
      expect(run.logs.filter((l) => l.msg === "synced")).toHaveLength(1);
    } finally {
      expect(await run.stop()).toBe(0);
    }
  });
});

async function waitForText(read: () => Promise<string>, text: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (!(last = await read()).includes(text)) {
    if (Date.now() > deadline) throw new Error(`"${text}" not seen in ${timeoutMs} ms:\n${last}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
