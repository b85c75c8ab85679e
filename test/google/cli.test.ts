import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeGoogleDirectory } from "../fakes/google-directory.js";

/** The built CLI, run as a user types it (`npm test` builds first). */
const CLI = resolve("dist/controller/cli/main.js");
const TOKEN = "cli-test-token";
/** Each CLI run starts a Node process; a busy machine makes that seconds, not a Roster problem. */
const E2E_TIMEOUT_MS = 300_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function roster(args: string[], cwd: string): Promise<Run> {
  return new Promise((done, fail) => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NO_COLOR: "1",
      ROSTER_GOOGLE_ACCESS_TOKEN: TOKEN,
    };
    delete env.ROSTER_DEBUG;
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
    child.stdin.end();
  });
}

const SOURCE = `apiVersion: roster.workjet.io/v1alpha1
kind: Organization
metadata: { name: acme }
spec:
  displayName: Acme Inc.
  domains: [acme.com]
  autoProvisioning: { enabled: true, role: member }
  unmanaged: remove
---
apiVersion: roster.workjet.io/v1alpha1
kind: Member
metadata: { name: ann }
spec: { organization: acme, email: ann@acme.com, role: owner }
---
apiVersion: roster.workjet.io/v1alpha1
kind: Member
metadata: { name: bob }
spec: { organization: acme, email: bob@acme.com, role: admin }
`;

let fake: FakeGoogleDirectory;
let dir: string;
let backend: string;

beforeEach(async () => {
  fake = await FakeGoogleDirectory.start(TOKEN);
  fake
    .addGroup("eng@acme.com")
    .addMember("eng@acme.com", "ann@acme.com", "OWNER")
    .addMember("eng@acme.com", "bob@acme.com", "MEMBER")
    .addUser("ann@acme.com")
    .addUser("bob@acme.com")
    .addUser("cat@acme.com")
    .addUser("dan@acme.com", { suspended: true });
  dir = await mkdtemp(join(tmpdir(), "roster-google-cli-"));
  await mkdir(join(dir, "src"));
  await writeFile(join(dir, "src", "acme.yaml"), SOURCE);
  backend = `google:eng@acme.com?org=acme&rootUrl=${fake.url}`;
});

afterEach(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

describe("roster with --backend google:GROUP", () => {
  it(
    "plans, applies in two passes (settings, then auto-provisioning) and converges",
    { timeout: E2E_TIMEOUT_MS },
    async () => {
      const plan = await roster(
        ["plan", "--source", "src", "--backend", backend, "-o", "json"],
        dir,
      );
      expect(plan.stderr).not.toContain(TOKEN);
      expect(plan.code).toBe(2);
      const steps = (JSON.parse(plan.stdout) as { steps: { action: string; email?: string }[] })
        .steps;
      expect(steps.map((s) => [s.action, s.email])).toEqual([
        ["updateOrganization", undefined],
        ["changeRole", "bob@acme.com"],
      ]);

      const first = await roster(["apply", "--source", "src", "--backend", backend, "--yes"], dir);
      expect(first.code).toBe(0);
      expect(fake.rolesOf("eng@acme.com")["bob@acme.com"]).toBe("MANAGER");
      // Google cannot hold the settings: the record next to the state keeps them.
      const record = JSON.parse(
        await readFile(join(dir, ".roster/google/eng@acme.com.json"), "utf8"),
      );
      expect(record.settings.domains).toEqual(["acme.com"]);

      const second = await roster(["apply", "--source", "src", "--backend", backend, "--yes"], dir);
      expect(second.code).toBe(0);
      expect(fake.rolesOf("eng@acme.com")).toEqual({
        "ann@acme.com": "OWNER",
        "bob@acme.com": "MANAGER",
        "cat@acme.com": "MEMBER",
      });

      const settled = await roster(["plan", "--source", "src", "--backend", backend], dir);
      expect(settled.code).toBe(0);
      expect(fake.calls.filter((c) => c.method !== "GET")).toHaveLength(2);
    },
  );

  it(
    "tells the user how to map an organization to a group of another name",
    { timeout: E2E_TIMEOUT_MS },
    async () => {
      const other = `google:eng@acme.com?rootUrl=${fake.url}`;
      const plan = await roster(["plan", "--source", "src", "--backend", other], dir);
      expect(plan.code).toBe(1);
      expect(plan.stderr).toContain("google:eng@acme.com?org=acme");
      expect(fake.calls.filter((c) => c.method !== "GET")).toHaveLength(0);
    },
  );
});
