import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { SMTPServer } from "smtp-server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseMail } from "./parse-mime.js";

/** The built CLI, run as a user types it (`npm test` builds first). */
const CLI = resolve("dist/controller/cli/main.js");
/** Each CLI run starts a Node process; a busy machine makes that seconds, not a Roster problem. */
const E2E_TIMEOUT_MS = 300_000;
const PASSWORD = "cli-smtp-secret";

function roster(args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done, fail) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...extraEnv };
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
spec: { displayName: "Acme <Labs>", domains: [acme.com] }
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

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "roster-mail-cli-"));
  await mkdir(join(dir, "src"));
  await writeFile(join(dir, "src", "acme.yaml"), SOURCE);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const APPLY = ["apply", "--source", "src", "--backend", "sqlite:portal.db", "--yes"];

describe("roster apply --mailer", () => {
  it("writes invitations to the outbox by default", { timeout: E2E_TIMEOUT_MS }, async () => {
    const run = await roster([...APPLY, "--accept-url", "https://portal.acme.com/team/"], dir);
    expect(run.code).toBe(0);
    const outbox = join(dir, ".roster", "outbox");
    const files = await readdir(outbox);
    // The owner of a new organization is its owner at once; only bob is invited.
    expect(files).toHaveLength(1);
    const mail = parseMail(await readFile(join(outbox, files[0]!), "utf8"));
    expect(mail.headers.get("to")).toBe("bob@acme.com");
    // --accept-url names the Portal; the link opens its accept page.
    expect(mail.text).toMatch(/^https:\/\/portal\.acme\.com\/team\/accept\?token=ri_\S+$/m);
    expect(mail.html).toContain("Acme &lt;Labs&gt;");
    expect(run.stdout + run.stderr).not.toMatch(/token=\S+/);
  });

  it(
    "sends through SMTP with the password from the environment",
    { timeout: E2E_TIMEOUT_MS },
    async () => {
      const received: { to: string[]; raw: string }[] = [];
      const server = new SMTPServer({
        disabledCommands: ["STARTTLS"],
        allowInsecureAuth: true,
        logger: false,
        onAuth(auth, _session, callback) {
          if (auth.password === PASSWORD) callback(null, { user: auth.username });
          else callback(new Error("bad password"));
        },
        onData(stream, session, callback) {
          const chunks: Buffer[] = [];
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("end", () => {
            received.push({
              to: session.envelope.rcptTo.map((r) => r.address),
              raw: Buffer.concat(chunks).toString("utf8"),
            });
            callback();
          });
        },
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      try {
        const port = (server.server.address() as AddressInfo).port;
        const mailer = `smtp://roster@127.0.0.1:${port}?from=team@acme.com`;
        const run = await roster([...APPLY, "--mailer", mailer], dir, {
          ROSTER_SMTP_PASSWORD: PASSWORD,
        });
        expect(run.code).toBe(0);
        expect(run.stdout + run.stderr).not.toContain(PASSWORD);
        expect(received.map((r) => r.to)).toEqual([["bob@acme.com"]]);
        const mail = parseMail(received[0]!.raw);
        expect(mail.headers.get("subject")).toBe("You're invited to join Acme <Labs> on Workjet");
        expect(mail.text).toContain("http://127.0.0.1:8080/accept?token=");
      } finally {
        await new Promise<void>((r) => server.close(() => r()));
      }
    },
  );
});
