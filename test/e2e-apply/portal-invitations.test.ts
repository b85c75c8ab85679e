import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ServerProcess } from "../http/server-process.js";
import type { PlanJson } from "./harness.js";
import { E2E_TIMEOUT_MS, Workspace, stepsOf } from "./harness.js";

vi.setConfig({ testTimeout: E2E_TIMEOUT_MS, hookTimeout: 120_000 });

let ws: Workspace | undefined;
let server: ServerProcess | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
  ws?.cleanup();
  ws = undefined;
});

const OWNER = { "alice@acme.com": "owner" } as const;

describe("an invitation sent in the Portal follows the organization's unmanaged policy", () => {
  it("report leaves it, remove cancels it; Roster's own invitation is cancelled either way", async () => {
    ws = new Workspace();
    const store = ws;
    store.declareOrg("acme", OWNER, { unmanaged: "report" });
    expect((await store.apply()).code).toBe(0);
    const key = await store.roster([
      "portal",
      "create-key",
      "--org",
      "acme",
      "--email",
      "alice@acme.com",
      "--backend",
      store.backend,
    ]);
    expect(key.code, key.stderr).toBe(0);
    const keyFile = path.join(store.dir, "alice.key");
    writeFileSync(keyFile, key.stdout);
    server = await ServerProcess.start(
      ["--backend", store.backend, "--listen", "127.0.0.1:0"],
      store.dir,
    );
    const over = ["--source", store.src, "--backend", server.url, "--token-file", keyFile];

    // Alice invites Pat from the Portal (no managed mark: a person, not Roster).
    const sent = await fetch(`${server.url}/v1/orgs/acme/invitations`, {
      method: "POST",
      headers: { authorization: `Bearer ${key.stdout.trim()}`, "content-type": "application/json" },
      body: JSON.stringify({ email: "pat@acme.com", role: "member" }),
    });
    expect(sent.status).toBe(201);

    // Roster invites Eve (declared), then Git drops her before she accepts.
    store.declareOrg("acme", { ...OWNER, "eve@acme.com": "member" }, { unmanaged: "report" });
    expect((await store.roster(["apply", ...over, "--yes"])).code).toBe(0);
    store.declareOrg("acme", OWNER, { unmanaged: "report" });

    const planned = await store.roster(["plan", ...over, "-o", "json"]);
    expect(planned.code, planned.stderr).toBe(2);
    const plan = JSON.parse(planned.stdout) as PlanJson;
    expect(stepsOf(plan)).toEqual(["cancelInvite eve@acme.com member"]);
    expect(plan.warnings).toContainEqual(
      expect.objectContaining({ email: "pat@acme.com", code: "unmanaged-invitation" }),
    );
    const applied = await store.roster(["apply", ...over, "--yes"]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stderr + applied.stdout).toMatch(/warning: .*pat@acme\.com.*unmanaged: report/);
    expect(store.invitations("acme")).toEqual({ "pat@acme.com": "member" });
    expect(store.invitations("acme", "cancelled")).toEqual({ "eve@acme.com": "member" });

    // The same drift found again is still left alone: report is a decision, not a delay.
    const again = await store.roster(["plan", ...over]);
    expect(again.code, again.stderr).toBe(0);

    store.declareOrg("acme", OWNER, { unmanaged: "remove" });
    const removing = await store.roster(["apply", ...over, "--yes", "-o", "json"]);
    expect(removing.code, removing.stderr).toBe(0);
    // The Portal sends its own invitation mail: nothing for Roster to report.
    expect(JSON.parse(removing.stdout)).toMatchObject({ mail: null, ok: true });
    expect(store.invitations("acme")).toEqual({});
    expect(store.invitations("acme", "cancelled")).toEqual({
      "eve@acme.com": "member",
      "pat@acme.com": "member",
    });
  });
});
