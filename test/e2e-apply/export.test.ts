import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { E2E_TIMEOUT_MS, planJson, Workspace } from "./harness.js";

describe("roster export", { timeout: E2E_TIMEOUT_MS }, () => {
  let ws: Workspace;
  afterEach(() => ws.cleanup());

  it("writes YAML that validates and plans to zero changes against the same store", async () => {
    ws = new Workspace();
    ws.declareOrg(
      "acme",
      { "alice@acme.com": "owner", "bob@acme.com": "admin", "carol@acme.com": "member" },
      { displayName: "Acme Inc.", domains: ["acme.com"], expireAfter: "3d" },
    );
    ws.declareOrg("beta", { "alice@acme.com": "owner", "dan@beta.io": "member" });
    expect((await ws.apply()).code).toBe(0);
    const portal = (...args: string[]) => ws.roster(["portal", ...args, "--backend", ws.backend]);
    expect((await portal("accept", "bob@acme.com", "--org", "acme")).code).toBe(0);

    const out = path.join(ws.dir, "exported");
    const run = await ws.roster(["export", "--backend", ws.backend, "--out", out]);
    expect(run.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["acme.yaml", "beta.yaml"]);
    const acme = readFileSync(path.join(out, "acme.yaml"), "utf8");
    expect(acme).toContain("displayName: Acme Inc.");
    expect(acme).toContain("expireAfter: 3d");
    expect(acme).toMatch(/email: carol@acme\.com\n\s+role: member/); // a pending invitation

    const validate = await ws.roster(["validate", out]);
    expect(validate.code).toBe(0);
    const plan = await ws.roster(["plan", "--source", out, "--backend", ws.backend, "-o", "json"]);
    expect(plan.stderr).toBe("");
    expect(plan.code).toBe(0);
    expect(JSON.parse(plan.stdout)).toMatchObject({ steps: [], blocked: [] });

    // Without --out: one stream on stdout, one org with --org.
    const one = await ws.roster(["export", "--backend", ws.backend, "--org", "beta"]);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain("name: beta");
    expect(one.stdout).not.toContain("acme.com\n    role: admin");
    ws.write("beta.yaml", one.stdout);
    ws.write("acme.yaml", acme);
    const { run: again } = await planJson(ws);
    expect(again.code).toBe(0);
  });

  it("refuses a store that does not exist rather than creating one", async () => {
    ws = new Workspace();
    const run = await ws.roster(["export", "--backend", ws.backend]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("no Portal store");
  });
});
