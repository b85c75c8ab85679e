import { readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { E2E_TIMEOUT_MS, planJson, stepsOf, Workspace } from "./harness.js";

// One organization's life, each step as a user types it; the steps build on each other.
describe("plan and apply, from bootstrap to removal", { timeout: E2E_TIMEOUT_MS }, () => {
  const ws = new Workspace();
  const portal = (...args: string[]) => ws.roster(["portal", ...args, "--backend", ws.backend]);
  afterAll(() => ws.cleanup());

  beforeAll(() => {
    ws.declareOrg(
      "acme",
      {
        "alice@acme.com": "owner",
        "bob@acme.com": "member",
        "carol@acme.com": "member",
      },
      { displayName: "Acme Inc.", domains: ["acme.com"] },
    );
  });

  it("plans the bootstrap on a fresh store: exit 2, the org and two invites", async () => {
    // plan refuses a store that does not exist (a mistyped --backend); portal init makes one.
    const missing = await ws.plan();
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("roster portal init --backend");
    await ws.initStore();
    const table = await ws.plan();
    expect(table.stderr).toBe("");
    expect(table.code).toBe(2);
    expect(table.stdout).toContain("acme:");
    expect(table.stdout).toMatch(/\+ invite bob@acme\.com as member — /);
    expect(table.stdout).toMatch(/3 changes: 1 organization to create, 2 invites; 0 blocked/);
    const { run, plan } = await planJson(ws);
    expect(run.code).toBe(2);
    expect(stepsOf(plan)).toEqual([
      "createOrganization alice@acme.com owner",
      "invite bob@acme.com member",
      "invite carol@acme.com member",
    ]);
    expect(plan.safety.safe).toBe(true);
    expect(plan.revision).toMatch(/^sha256:/);
    // `expirations` (issue 15): the expiry revocations listed apart, empty here.
    expect(plan.expirations).toEqual([]);
    expect(Object.keys(plan).sort()).toEqual([
      "blocked",
      "expirations",
      "revision",
      "safety",
      "steps",
      "warnings",
    ]);
  });

  it("applies it: the owner is active, invitations are pending, a summary is printed", async () => {
    const run = await ws.apply();
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Applied 3, unchanged 0, failed 0, blocked 0.");
    expect(ws.members("acme")).toEqual({ "alice@acme.com": "owner" });
    expect(ws.invitations("acme")).toEqual({
      "bob@acme.com": "member",
      "carol@acme.com": "member",
    });

    // Invites sent: the default mailer writes one message per invitation to .roster/outbox.
    const outbox = readdirSync(path.join(ws.dir, ".roster", "outbox"));
    expect(outbox.filter((f) => f.endsWith(".eml")).map((f) => f.replace(/^.*-/, ""))).toEqual([
      "bob_acme.com.eml",
      "carol_acme.com.eml",
    ]);
    // Pending invitations with the declared role count as done.
    const again = await ws.plan();
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("No changes; 0 blocked, 0 warnings.");
  });

  it("an accepted invite is a member; a role changed in YAML is one changeRole", async () => {
    expect((await portal("accept", "bob@acme.com", "--org", "acme")).code).toBe(0);
    expect(ws.members("acme")["bob@acme.com"]).toBe("member");
    ws.declareOrg(
      "acme",
      { "alice@acme.com": "owner", "bob@acme.com": "admin", "carol@acme.com": "member" },
      { displayName: "Acme Inc.", domains: ["acme.com"] },
    );
    const { run, plan } = await planJson(ws);
    expect(run.code).toBe(2);
    expect(plan.steps).toEqual([
      expect.objectContaining({
        action: "changeRole",
        org: "acme",
        email: "bob@acme.com",
        from: "member",
        to: "admin",
      }),
    ]);
    const table = await ws.plan();
    expect(table.stdout).toContain("~ changeRole bob@acme.com member → admin");
    expect((await ws.apply()).code).toBe(0);
    expect(ws.members("acme")["bob@acme.com"]).toBe("admin");
    expect((await ws.plan()).code).toBe(0);
  });

  it("a transfer to someone who has not accepted yet is blocked, then done after they accept", async () => {
    ws.declareOrg(
      "acme",
      { "alice@acme.com": "admin", "bob@acme.com": "admin", "carol@acme.com": "owner" },
      { displayName: "Acme Inc.", domains: ["acme.com"] },
    );
    const { run, plan } = await planJson(ws);
    expect(run.code).toBe(2);
    // carol is invited as admin (the pending member invitation is re-issued); ownership waits.
    expect(stepsOf(plan)).toEqual(["invite carol@acme.com admin"]);
    expect(plan.blocked).toEqual([
      expect.objectContaining({
        action: "transferOwnership",
        email: "carol@acme.com",
        blockedBy: expect.stringContaining("accept"),
      }),
    ]);
    const applied = await ws.apply();
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain("Applied 1, unchanged 0, failed 0, blocked 1.");
    expect(ws.invitations("acme")).toEqual({ "carol@acme.com": "admin" });
    expect(ws.members("acme")["alice@acme.com"]).toBe("owner");
    // Still blocked: drift the plan reports (exit 2) but cannot apply.
    const waiting = await planJson(ws);
    expect(waiting.run.code).toBe(2);
    expect(waiting.plan.steps).toEqual([]);
    expect(waiting.plan.blocked).toHaveLength(1);

    expect((await portal("accept", "carol@acme.com", "--org", "acme")).code).toBe(0);
    const ready = await planJson(ws);
    expect(ready.plan.steps).toEqual([
      expect.objectContaining({
        action: "transferOwnership",
        from: "alice@acme.com",
        to: "carol@acme.com",
      }),
    ]);
    const table = await ws.plan();
    expect(table.stdout, `exit ${table.code} ${table.signal}: ${table.stderr}`).toContain(
      "» transferOwnership alice@acme.com → carol@acme.com",
    );
    expect((await ws.apply()).code).toBe(0);
    expect(ws.members("acme")).toEqual({
      "alice@acme.com": "admin",
      "bob@acme.com": "admin",
      "carol@acme.com": "owner",
    });
    expect((await ws.plan()).code).toBe(0);
  });

  it("a removal revokes the member's API keys and sessions at once (R6)", async () => {
    expect((await portal("signin", "bob@acme.com")).code).toBe(0);
    const key = await portal("create-key", "--org", "acme", "--email", "bob@acme.com");
    expect(key.code).toBe(0);
    const activeKeys = () =>
      ws.query("SELECT id FROM api_keys WHERE email = 'bob@acme.com' AND revoked_at IS NULL");
    const activeSessions = () =>
      ws.query("SELECT id FROM sessions WHERE email = 'bob@acme.com' AND revoked_at IS NULL");
    expect(activeKeys()).toHaveLength(1);
    expect(activeSessions()).toHaveLength(1);

    ws.declareOrg(
      "acme",
      { "alice@acme.com": "admin", "carol@acme.com": "owner" },
      { displayName: "Acme Inc.", domains: ["acme.com"] },
    );
    const table = await ws.plan();
    expect(table.code).toBe(2);
    expect(table.stdout).toContain("- remove bob@acme.com (admin)");
    expect(table.stdout).toContain("Safety: ok (removals: acme 1/10)");
    expect((await ws.apply()).code).toBe(0);
    expect(ws.members("acme")["bob@acme.com"]).toBeUndefined();
    expect(activeKeys()).toEqual([]);
    expect(activeSessions()).toEqual([]);
  });

  it("re-plans to zero steps, and the audit shows who did what from which revision", async () => {
    const { run, plan } = await planJson(ws);
    expect(run.code).toBe(0);
    expect(plan.steps).toEqual([]);
    expect(plan.blocked).toEqual([]);
    const audit = await portal("audit", "acme", "-o", "json");
    expect(audit.code).toBe(0);
    const text = audit.stdout;
    for (const action of ["invite", "changeRole", "transferOwnership"])
      expect(text).toContain(action);
    expect(text).toContain(plan.revision);
  });
});
