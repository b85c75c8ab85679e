import { afterEach, describe, expect, it } from "vitest";
import { E2E_TIMEOUT_MS, planJson, stepsOf, Workspace } from "./harness.js";

describe("invitations", { timeout: E2E_TIMEOUT_MS }, () => {
  let ws: Workspace;
  afterEach(() => ws.cleanup());

  it("pending with the same role is done; another role re-invites; expired is resent", async () => {
    ws = new Workspace();
    ws.declareOrg("acme", {
      "owner@acme.com": "owner",
      "pat@acme.com": "member",
      "rob@acme.com": "member",
      "exp@acme.com": "member",
    });
    expect((await ws.apply()).code).toBe(0);

    // Same role, still pending: nothing to do.
    expect((await ws.plan()).code).toBe(0);

    // rob's role changes while his invitation is pending; exp's invitation expires.
    ws.declareOrg("acme", {
      "owner@acme.com": "owner",
      "pat@acme.com": "member",
      "rob@acme.com": "admin",
      "exp@acme.com": "member",
    });
    ws.exec(
      `UPDATE invitations SET expires_at = '2020-01-01T00:00:00.000Z' WHERE email = 'exp@acme.com'`,
    );
    const { run, plan } = await planJson(ws);
    expect(run.code).toBe(2);
    // One phase (invites), in email order.
    expect(stepsOf(plan)).toEqual([
      "resendInvite exp@acme.com member",
      "invite rob@acme.com admin",
    ]);
    expect(plan.steps[0]!.reason).toContain("expired on 2020-01-01");
    expect(plan.steps[1]!.reason).toContain("re-invited as admin");
    const table = await ws.plan();
    expect(table.stdout).toContain("+ resendInvite exp@acme.com as member");

    expect((await ws.apply()).code).toBe(0);
    expect(ws.invitations("acme")).toEqual({
      "exp@acme.com": "member",
      "pat@acme.com": "member",
      "rob@acme.com": "admin",
    });
    const [exp] = ws.query<{ expires_at: string }>(
      "SELECT expires_at FROM invitations WHERE email = 'exp@acme.com' AND status = 'pending'",
    );
    expect(Date.parse(exp!.expires_at)).toBeGreaterThan(Date.now());
    expect((await ws.plan()).code).toBe(0);
  });

  it("an invitation no longer declared is cancelled", async () => {
    ws = new Workspace();
    ws.declareOrg("acme", { "owner@acme.com": "owner", "gone@acme.com": "admin" });
    expect((await ws.apply()).code).toBe(0);
    ws.declareOrg("acme", { "owner@acme.com": "owner" });
    const { plan } = await planJson(ws);
    expect(stepsOf(plan)).toEqual(["cancelInvite gone@acme.com admin"]);
    expect((await ws.plan()).stdout).toContain("- cancelInvite gone@acme.com (admin)");
    expect((await ws.apply()).code).toBe(0);
    expect(ws.invitations("acme")).toEqual({});
    expect(ws.invitations("acme", "cancelled")).toEqual({ "gone@acme.com": "admin" });
    expect((await ws.plan()).code).toBe(0);
  });
});
