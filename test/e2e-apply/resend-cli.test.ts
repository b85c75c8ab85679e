import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { E2E_TIMEOUT_MS, Workspace } from "./harness.js";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function tokensMailedTo(ws: Workspace, email: string): string[] {
  const outbox = path.join(ws.dir, ".roster", "outbox");
  return readdirSync(outbox)
    .filter((f) => f.endsWith(`-${email.replace("@", "_")}.eml`))
    .sort()
    .map((f) => {
      const raw = readFileSync(path.join(outbox, f), "utf8")
        .replace(/=\r?\n/g, "")
        .replace(/=3D/g, "=");
      return /token=(ri_[A-Za-z0-9_-]+)/.exec(raw)![1]!;
    });
}

describe("roster portal resend", { timeout: E2E_TIMEOUT_MS }, () => {
  let ws: Workspace;
  afterEach(() => ws.cleanup());

  it("issues a new link by one mail, kills the old one, and records one audit event", async () => {
    ws = new Workspace();
    ws.declareOrg("acme", { "alice@acme.com": "owner", "bob@acme.com": "member" });
    expect((await ws.apply()).code).toBe(0);
    const [old] = tokensMailedTo(ws, "bob@acme.com");

    const run = await ws.roster([
      "portal",
      "resend",
      "Bob@Acme.com",
      "--org",
      "acme",
      "--backend",
      ws.backend,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^resent the invitation of bob@acme.com to acme \(expires .*\): mail delivered via outbox/,
    );
    expect(run.stdout + run.stderr).not.toMatch(/ri_/);

    const tokens = tokensMailedTo(ws, "bob@acme.com");
    expect(tokens).toHaveLength(2);
    const [hash] = ws.query<{ token_hash: string }>(
      "SELECT token_hash FROM invitations WHERE email = 'bob@acme.com' AND status = 'pending'",
    );
    expect(hash!.token_hash).toBe(sha256(tokens[1]!));
    expect(hash!.token_hash).not.toBe(sha256(old!));
    expect(ws.query("SELECT actor FROM audit_events WHERE action = 'resendInvite'")).toEqual([
      { actor: "system:roster portal resend" },
    ]);
    expect(
      ws.query("SELECT status FROM mail_jobs WHERE email = 'bob@acme.com' ORDER BY rowid"),
    ).toEqual([{ status: "delivered" }, { status: "delivered" }]);

    const none = await ws.roster([
      "portal",
      "resend",
      "zed@acme.com",
      "--org",
      "acme",
      "--backend",
      ws.backend,
    ]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no open invitation for zed@acme.com in "acme"');
  });
});
