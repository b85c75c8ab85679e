import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { writeDesired } from "./desired.js";
import { roster, ServerProcess } from "./server-process.js";

// Each CLI run starts a Node process; on a busy shared machine one can take seconds.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

const ORG = "acme";
const OWNER = "alice@acme.com";
const BOB = "bob@acme.com";
const CAROL = "carol@acme.com";

let dir: string;
let src: string;
let db: string;
let server: ServerProcess;
const secrets: string[] = [];

async function secretFile(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, `${text}\n`);
  secrets.push(text);
  return file;
}

/** Runs roster and checks that no credential ever reaches its output. */
async function run(args: string[], extraEnv: Record<string, string> = {}) {
  const result = await roster(args, dir, extraEnv);
  for (const secret of secrets) {
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }
  return result;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "roster-http-e2e-"));
  src = path.join(dir, "src");
  db = path.join(dir, "portal.db");
  const boot = await secretFile("bootstrap.token", "boot-".padEnd(48, "x7Q"));
  // serve never creates a store (a mistyped path would serve an empty one): make it first.
  expect((await roster(["portal", "init", "--backend", `sqlite:${db}`], dir)).code).toBe(0);
  server = await ServerProcess.start(
    ["--backend", `sqlite:${db}`, "--listen", "127.0.0.1:0", "--bootstrap-token-file", boot],
    dir,
  );
});

afterAll(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("roster plan/apply --backend http:// against roster serve", () => {
  it("bootstraps an organization with the bootstrap token, then plans zero changes", async () => {
    await writeDesired(src, {
      name: ORG,
      members: { [OWNER]: "owner", [BOB]: "admin", [CAROL]: "member" },
    });
    const backend = ["--backend", server.url, "--token-file", path.join(dir, "bootstrap.token")];
    const planned = await run(["plan", "--source", src, ...backend, "-o", "json"]);
    expect(planned.code).toBe(2);
    const plan = JSON.parse(planned.stdout) as { steps: { action: string; email?: string }[] };
    expect(plan.steps.map((s) => `${s.action} ${s.email ?? ""}`)).toEqual([
      `createOrganization ${OWNER}`,
      `invite ${BOB}`,
      `invite ${CAROL}`,
    ]);

    const applied = await run(["apply", "--source", src, ...backend, "--yes"]);
    expect(applied.stderr).not.toMatch(/failed|error/i);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/Applied 3, unchanged 0, failed 0, blocked 0\./);

    const again = await run(["plan", "--source", src, ...backend]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/No changes/);
  });

  it("marks R4/R5 steps blocked for an admin's key, and applies them with the owner's", async () => {
    for (const email of [BOB, CAROL]) {
      const accepted = await run([
        "portal",
        "accept",
        email,
        "--org",
        ORG,
        "--backend",
        `sqlite:${db}`,
      ]);
      expect(accepted.code).toBe(0);
    }
    const keys: Record<string, string> = {};
    for (const email of [OWNER, BOB]) {
      const created = await run([
        "portal",
        "create-key",
        "--org",
        ORG,
        "--email",
        email,
        "--backend",
        `sqlite:${db}`,
      ]);
      expect(created.code).toBe(0);
      keys[email] = created.stdout.trim();
      expect(keys[email]).toMatch(/^rk_\S+$/);
      secrets.push(keys[email]);
    }
    const bobKey = await secretFile("bob.key", keys[BOB] as string);

    await writeDesired(src, {
      name: ORG,
      members: { [OWNER]: "admin", [BOB]: "owner", [CAROL]: "admin", "dan@acme.com": "member" },
    });
    const asAdmin = await run([
      "plan",
      "--source",
      src,
      "--backend",
      server.url,
      "--token-file",
      bobKey,
      "-o",
      "json",
    ]);
    expect(asAdmin.code).toBe(2);
    const plan = JSON.parse(asAdmin.stdout) as {
      steps: { action: string; email?: string }[];
      blocked: { action: string; email?: string; blockedBy: string }[];
    };
    expect(plan.steps.map((s) => `${s.action} ${s.email ?? ""}`)).toEqual(["invite dan@acme.com"]);
    expect(plan.blocked.map((s) => `${s.action} ${s.email ?? ""}`).sort()).toEqual([
      `changeRole ${CAROL}`,
      `transferOwnership ${BOB}`,
    ]);
    expect(plan.blocked.map((b) => b.blockedBy).join(" ")).toMatch(/R4[\s\S]*R5|R5[\s\S]*R4/);

    // The owner's key from the environment, one apply: the promotion, the transfer, the invite.
    // Regression: transfers used to run first, so the key was an admin's by the promotion (R4: 403).
    const owner = { ROSTER_TOKEN: keys[OWNER] as string };
    const applied = await run(["apply", "--source", src, "--backend", server.url, "--yes"], owner);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/Applied 3, unchanged 0, failed 0, blocked 0\./);
    const members = await run([
      "portal",
      "members",
      ORG,
      "--backend",
      `sqlite:${db}`,
      "-o",
      "json",
    ]);
    expect(members.stdout).toMatch(/"email": "bob@acme.com",\s*"role": "owner"/);
    expect(members.stdout).toMatch(/"email": "carol@acme.com",\s*"role": "admin"/);
    // The old owner's key now plans as an admin: nothing left, nothing blocked.
    const settled = await run(["plan", "--source", src, "--backend", server.url], owner);
    expect(settled.code).toBe(0);
  });

  it("refuses to run without a token, and says where to put one", async () => {
    const none = await run(["plan", "--source", src, "--backend", server.url]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/--token-file FILE or set ROSTER_TOKEN/);
    const wrong = await run(["plan", "--source", src, "--backend", server.url], {
      ROSTER_TOKEN: "rk_not-a-real-key",
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/HTTP 401/);
  });

  it("keeps the controller state in .roster/state.db next to where it runs", async () => {
    const state = await readFile(path.join(dir, ".roster", "state.db"));
    expect(state.subarray(0, 15).toString()).toBe("SQLite format 3");
  });
});

describe("roster serve", () => {
  it("closes cleanly on SIGTERM", async () => {
    const other = await ServerProcess.start(
      ["--backend", `sqlite:${db}`, "--listen", "127.0.0.1:0"],
      dir,
    );
    const me = await fetch(`${other.url}/v1/me`);
    expect(me.status).toBe(401);
    expect(await other.stop()).toBe(0);
    expect(other.stderr).toMatch(/SIGTERM: finishing in-flight requests\nroster serve: stopped\n$/);
  });

  it("refuses a backend that is not the embedded store, and a weak bootstrap token", async () => {
    const http = await roster(["serve", "--backend", "http://127.0.0.1:1"], dir);
    expect(http.code).toBe(1);
    expect(http.stderr).toMatch(/serves the embedded store/);
    const weak = path.join(dir, "weak.token");
    await writeFile(weak, "short\n");
    const refused = await roster(
      ["serve", "--backend", `sqlite:${db}`, "--bootstrap-token-file", weak],
      dir,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/at least 32 visible characters/);
    expect(refused.stderr).not.toContain("short");
  });
});
