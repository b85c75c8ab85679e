import Database from "better-sqlite3";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PortalStore } from "../../controller/adapters/backends/sqlite/store.js";
import type { OrgSettings } from "../../controller/model/index.js";

/** The built CLI (`npm test` builds first), run as a user types it. */
const CLI = path.resolve("dist/controller/cli/main.js");
const SYSTEM = { kind: "system" as const, name: "test-setup" };
const ACME: OrgSettings = {
  displayName: "Acme Inc.",
  domains: ["acme.com"],
  autoProvisioning: { enabled: true, role: "member" },
  inviteExpirySeconds: 7 * 86400,
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Fails with the CLI's stderr in the message, so a broken run explains itself. */
function ok(run: Run): Run {
  expect(run.code, run.stderr).toBe(0);
  return run;
}

function roster(args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
    delete env.ROSTER_DEBUG;
    execFile(process.execPath, [CLI, ...args], { cwd, env }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let cwd: string;
let file: string;

beforeAll(async () => {
  cwd = mkdtempSync(path.join(os.tmpdir(), "roster-portal-cli-"));
  // The default backend: .roster/portal.db under the working directory.
  file = path.join(cwd, ".roster", "portal.db");
  const past = new Date(Date.now() - 30 * 86400_000);
  const store = PortalStore.open(file, { now: () => past });
  store.createOrganization(SYSTEM, "acme", ACME, "alice@acme.com", {
    reason: "setup",
    revision: "r0",
  });
  await store.invite(SYSTEM, "acme", "old@partner.org", "member"); // expired long ago
  store.close();
  const live = PortalStore.open(file);
  await live.invite(SYSTEM, "acme", "bob@partner.org", "admin", {
    reason: "declared",
    revision: "r1",
  });
  live.close();
});

afterAll(() => rmSync(cwd, { recursive: true, force: true }));

const rows = <T>(sql: string, ...params: unknown[]): T[] => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
};

// Each test spawns the CLI several times; on a busy machine one start can take seconds. The
// timeout measures the machine, not Roster, so it is generous.
describe("roster portal, end to end through the built CLI", { timeout: 180_000 }, () => {
  it("accept: joins with the invited role; again: nothing to accept", async () => {
    const first = await roster(["portal", "accept", "Bob@Partner.org", "--org", "acme"], cwd);
    expect(first).toMatchObject({
      code: 0,
      stdout: "bob@partner.org joined acme as admin\n",
      stderr: "",
    });
    expect(rows("SELECT role FROM memberships WHERE email = 'bob@partner.org'")).toEqual([
      { role: "admin" },
    ]);
    const again = await roster(
      ["portal", "accept", "bob@partner.org", "--org", "acme", "-o", "json"],
      cwd,
    );
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({
      org: "acme",
      email: "bob@partner.org",
      role: "admin",
      outcome: "noop",
    });
  });

  it("accept: clear errors, exit 1, nothing changed", async () => {
    const none = await roster(["portal", "accept", "nobody@acme.com", "--org", "acme"], cwd);
    expect(none).toMatchObject({ code: 1, stdout: "" });
    expect(none.stderr).toBe('roster: no pending invitation for nobody@acme.com in "acme"\n');
    const unknownOrg = await roster(["portal", "accept", "bob@partner.org", "--org", "acne"], cwd);
    expect(unknownOrg.code).toBe(1);
    expect(unknownOrg.stderr).toMatch(
      /no organization "acne" in sqlite:\.roster\/portal\.db \(known: acme\)/,
    );
    const expired = await roster(["portal", "accept", "old@partner.org", "--org", "acme"], cwd);
    expect(expired.code).toBe(1);
    expect(expired.stderr).toMatch(
      /invitation of old@partner.org to "acme" expired at .*; ask an admin to resend it/,
    );
    expect(
      rows("SELECT * FROM memberships WHERE email IN ('nobody@acme.com', 'old@partner.org')"),
    ).toEqual([]);
  });

  it("signin: auto-provisions by domain, never prints the session token", async () => {
    const run = ok(await roster(["portal", "signin", "carol@acme.com", "-o", "json"], cwd));
    expect(JSON.parse(run.stdout)).toEqual({
      email: "carol@acme.com",
      joined: [{ org: "acme", role: "member", via: "auto-provisioning" }],
      memberships: [{ org: "acme", role: "member" }],
    });
    expect(run.stdout + run.stderr).not.toMatch(/rs_/);
    expect(rows("SELECT count(*) AS n FROM sessions WHERE email = 'carol@acme.com'")).toEqual([
      { n: 1 },
    ]);
    const table = await roster(["portal", "signin", "dave@elsewhere.org"], cwd);
    expect(table.stdout).toBe("signed in dave@elsewhere.org\nmember of no organization\n");
  });

  it("members: table and JSON", async () => {
    const table = await roster(["portal", "members", "acme"], cwd);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^EMAIL\s+ROLE\s+SINCE\s+AUTO-PROVISIONED$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 2).join(" "))).toEqual([
      "alice@acme.com owner",
      "bob@partner.org admin",
      "carol@acme.com member",
    ]);
    const json = ok(await roster(["portal", "members", "acme", "-o", "json"], cwd));
    const parsed = JSON.parse(json.stdout) as {
      org: string;
      members: { email: string; autoProvisioned: boolean }[];
    };
    expect(parsed.org).toBe("acme");
    expect(parsed.members.map((m) => [m.email, m.autoProvisioned])).toEqual([
      ["alice@acme.com", false],
      ["bob@partner.org", false],
      ["carol@acme.com", true],
    ]);
  });

  it("invitations and orgs", async () => {
    const invitations = ok(await roster(["portal", "invitations", "acme", "-o", "json"], cwd));
    expect(JSON.parse(invitations.stdout)).toMatchObject({
      org: "acme",
      invitations: [{ email: "old@partner.org", status: "expired" }],
    });
    const orgs = ok(await roster(["portal", "orgs"], cwd));
    expect(orgs.stdout).toMatch(
      /^NAME\s+OWNER\s+DOMAINS\s+AUTO-PROVISIONING\nacme\s+alice@acme.com\s+acme.com\s+member\n$/,
    );
  });

  it("audit: oldest first, with actor, revision and reason", async () => {
    const run = ok(await roster(["portal", "audit", "acme", "-o", "json"], cwd));
    const { events } = JSON.parse(run.stdout) as {
      events: { action: string; actor: string; revision: string | null }[];
    };
    expect(events.map((e) => e.action)).toEqual([
      "createOrganization",
      "invite",
      "invite",
      "acceptInvitation",
      "autoProvision",
    ]);
    expect(events[0]).toMatchObject({ actor: "system:test-setup", revision: "r0" });
    expect(events[3]).toMatchObject({ actor: "system:roster portal accept" });
    const latest = await roster(["portal", "audit", "acme", "--limit", "2"], cwd);
    expect(latest.stderr).toBe("");
    const lines = latest.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^TIME\s+ACTOR\s+ACTION\s+TARGET\s+CHANGE\s+REVISION\s+REASON$/);
    expect(lines[1]).toMatch(/acceptInvitation\s+bob@partner.org/);
    expect(lines[2]).toMatch(/autoProvision\s+carol@acme.com/);
  });

  it("create-key: the key alone on stdout, stored hashed, usable", async () => {
    const run = await roster(
      ["portal", "create-key", "--org", "acme", "--email", "bob@partner.org"],
      cwd,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^rk_[A-Za-z0-9_-]{43}\n$/);
    const key = run.stdout.trim();
    expect(JSON.stringify(rows("SELECT * FROM api_keys"))).not.toContain(key);
    const store = PortalStore.open(file);
    expect(store.authenticateApiKey(key)).toMatchObject({
      org: "acme",
      email: "bob@partner.org",
      role: "admin",
    });
    store.close();
    const stranger = await roster(
      ["portal", "create-key", "--org", "acme", "--email", "eve@evil.com"],
      cwd,
    );
    expect(stranger).toMatchObject({ code: 1, stdout: "" });
    expect(stranger.stderr).toMatch(/eve@evil.com is not an active member of "acme"/);
  });

  it("--backend, -o and --help", async () => {
    const missing = await roster(
      ["portal", "members", "acme", "--backend", "sqlite:missing.db"],
      cwd,
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no Portal store at missing\.db/);
    const explicit = ok(
      await roster(["portal", "members", "acme", "--backend", `sqlite:${file}`, "-o", "json"], cwd),
    );
    expect(JSON.parse(explicit.stdout)).toMatchObject({ org: "acme" });
    const badFormat = await roster(["portal", "members", "acme", "-o", "yaml"], cwd);
    expect(badFormat.code).toBe(1);
    expect(badFormat.stderr).toMatch(/unknown output format "yaml" \(use one of: table, json\)/);
    for (const sub of [
      "accept",
      "signin",
      "members",
      "invitations",
      "audit",
      "orgs",
      "create-key",
    ]) {
      const help = await roster(["portal", sub, "--help"], cwd);
      expect(help.code, `${sub}: ${help.stderr}`).toBe(0);
      expect(help.stdout, sub).toMatch(/Example:\n {2}\$ roster portal /);
      expect(help.stdout, sub).toMatch(/--backend <uri>/);
    }
  });
});
