import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Role } from "../../controller/model/index.js";
import { E2E_TIMEOUT_MS, planJson, stepsOf, Workspace } from "./harness.js";

const team = (n: number): Record<string, Role> => {
  const members: Record<string, Role> = { "owner@acme.com": "owner" };
  for (let i = 0; i < n; i++) members[`m${String(i).padStart(2, "0")}@acme.com`] = "member";
  return members;
};

/** Every invitation accepted by hand in the store, as if each invitee had clicked the link. */
function acceptAll(ws: Workspace): void {
  ws.exec(
    `INSERT INTO users (email, created_at)
     SELECT email, '2026-01-01T00:00:00Z' FROM invitations WHERE status = 'pending'
     ON CONFLICT DO NOTHING`,
  );
  ws.exec(
    `INSERT INTO memberships (org_id, email, role, since)
     SELECT org_id, email, role, '2026-01-01T00:00:00Z' FROM invitations WHERE status = 'pending'`,
  );
  ws.exec(`UPDATE invitations SET status = 'accepted' WHERE status = 'pending'`);
}

describe("safety", { timeout: E2E_TIMEOUT_MS }, () => {
  let ws: Workspace;
  afterEach(() => ws.cleanup());

  it("refuses a mass removal (exit 1, nothing applied) and allows it with --max-removals", async () => {
    ws = new Workspace();
    ws.declareOrg("acme", team(12), { maxRemovals: 10 });
    expect((await ws.apply()).code).toBe(0);
    acceptAll(ws);
    expect(Object.keys(ws.members("acme"))).toHaveLength(13);

    ws.declareOrg(
      "acme",
      { "owner@acme.com": "owner", "m00@acme.com": "member" },
      { maxRemovals: 10 },
    );
    const { run, plan } = await planJson(ws);
    expect(run.code).toBe(1);
    expect(plan.safety.safe).toBe(false);
    expect(plan.safety.refusals).toEqual([
      expect.objectContaining({ org: "acme", rule: "max-removals" }),
    ]);
    const table = await ws.plan();
    expect(table.code).toBe(1);
    expect(table.stdout).toContain("Safety: REFUSED");
    expect(table.stdout).toContain("--max-removals 11");

    const refused = await ws.apply();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("refused by the safety checks");
    expect(Object.keys(ws.members("acme"))).toHaveLength(13);

    const allowed = await ws.apply("--max-removals", "11");
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain("Applied 11,");
    expect(ws.members("acme")).toEqual({ "m00@acme.com": "member", "owner@acme.com": "owner" });
    expect((await ws.plan()).code).toBe(0);
  });

  it("refuses an empty source: never reads nothing as remove everyone", async () => {
    ws = new Workspace();
    ws.declareOrg("acme", { "owner@acme.com": "owner", "a@acme.com": "member" });
    expect((await ws.apply()).code).toBe(0);
    const before = ws.invitations("acme");

    const empty = path.join(ws.dir, "empty");
    mkdirSync(empty);
    writeFileSync(path.join(empty, "notes.yaml"), "# nothing declared yet\n");
    const planned = await ws.roster(["plan", "--source", empty, "--backend", ws.backend]);
    const applied = await ws.roster(["apply", "--source", empty, "--backend", ws.backend, "--yes"]);
    for (const run of [planned, applied]) {
      expect(run.code).toBe(1);
      expect(run.stdout + run.stderr).toMatch(/no (organization|resources)/i);
    }
    expect(ws.invitations("acme")).toEqual(before);
    expect(ws.members("acme")).toEqual({ "owner@acme.com": "owner" });
  });

  it("an invalid source prints FILE:LINE:COL: RULE and changes nothing", async () => {
    ws = new Workspace();
    ws.write(
      "bad.yaml",
      [
        "apiVersion: roster.workjet.io/v1alpha1",
        "kind: Organization",
        "metadata: { name: acme }",
        "spec: {}",
        "---",
        "apiVersion: roster.workjet.io/v1alpha1",
        "kind: Member",
        "metadata: { name: alice }",
        "spec: { organization: acme, email: alice@acme.com, role: superuser }",
        "",
      ].join("\n"),
    );
    await ws.initStore();
    for (const run of [await ws.plan(), await ws.apply()]) {
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/bad\.yaml:9:\d+: [\w-]+: /);
    }
    expect(ws.query("SELECT * FROM organizations")).toEqual([]);
  });

  it("apply without --yes on a non-terminal stdin refuses before touching anything", async () => {
    ws = new Workspace();
    ws.declareOrg("acme", { "owner@acme.com": "owner" });
    const run = await ws.roster(["apply", "--source", ws.src, "--backend", ws.backend], "yes\n");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("--yes");
    expect(run.stdout).toBe("");
  });

  it("unmanaged: report leaves a hand-added member alone; unmanaged: remove removes them", async () => {
    ws = new Workspace();
    ws.declareOrg("acme", { "owner@acme.com": "owner" }, { unmanaged: "report" });
    expect((await ws.apply()).code).toBe(0);
    // Someone invited by hand in the Portal, who accepted: Roster never declared nor managed them.
    ws.exec(
      `INSERT INTO users (email, created_at) VALUES ('hand@acme.com', '2026-01-01T00:00:00Z')`,
    );
    ws.exec(
      `INSERT INTO memberships (org_id, email, role, since)
       SELECT id, 'hand@acme.com', 'member', '2026-01-01T00:00:00Z' FROM organizations WHERE slug = 'acme'`,
    );
    const report = await planJson(ws);
    expect(report.run.code).toBe(0);
    expect(report.plan.steps).toEqual([]);
    expect(report.plan.warnings).toEqual([
      expect.objectContaining({ email: "hand@acme.com", code: "unmanaged-member" }),
    ]);
    expect((await ws.apply()).code).toBe(0);
    expect(ws.members("acme")["hand@acme.com"]).toBe("member");

    ws.declareOrg("acme", { "owner@acme.com": "owner" }, { unmanaged: "remove" });
    const remove = await planJson(ws);
    expect(remove.run.code).toBe(2);
    expect(stepsOf(remove.plan)).toEqual(["remove hand@acme.com member"]);
    expect((await ws.apply()).code).toBe(0);
    expect(ws.members("acme")).toEqual({ "owner@acme.com": "owner" });
  });
});
