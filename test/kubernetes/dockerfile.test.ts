import type { ChildProcess } from "node:child_process";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeKubeApiServer } from "../fakes/kube-api-server.js";
import { waitFor } from "./helpers.js";

/**
 * There is no Docker engine here: the image's start command (ENTRYPOINT + CMD, the `roster`
 * symlink resolved as the Dockerfile makes it) is run with node against the built dist/.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");

interface Instruction {
  op: string;
  args: string;
  stage: number;
}

function parseDockerfile(): Instruction[] {
  const text = readFileSync(path.join(ROOT, "Dockerfile"), "utf8").replace(/\\\n/g, " ");
  const out: Instruction[] = [];
  let stage = -1;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const [op = "", ...rest] = line.split(/\s+/);
    if (op.toUpperCase() === "FROM") stage++;
    out.push({ op: op.toUpperCase(), args: rest.join(" "), stage });
  }
  return out;
}

/** ENTRYPOINT ["roster"] + CMD → the host command: `node <repo>/dist/…/main.js …`. */
function startCommand(instructions: Instruction[]): { script: string; cmd: string[] } {
  const runtime = Math.max(...instructions.map((i) => i.stage));
  const final = instructions.filter((i) => i.stage === runtime);
  const entrypoint = JSON.parse(final.find((i) => i.op === "ENTRYPOINT")!.args) as string[];
  const cmd = JSON.parse(final.find((i) => i.op === "CMD")?.args ?? "[]") as string[];
  expect(entrypoint).toEqual(["roster"]);
  const link = final
    .filter((i) => i.op === "RUN")
    .map((i) => /ln -s (\S+) \/usr\/local\/bin\/roster/.exec(i.args)?.[1])
    .find((t) => t !== undefined);
  expect(link).toBeDefined();
  const appDir = final.find((i) => i.op === "WORKDIR" && i.args === "/app")?.args;
  expect(appDir).toBe("/app");
  const script = path.join(ROOT, path.relative("/app", link!));
  return { script, cmd };
}

describe("Dockerfile", () => {
  it("is multi-stage: dev dependencies and toolchain to build, production dependencies to run", () => {
    const all = parseDockerfile();
    const froms = all.filter((i) => i.op === "FROM");
    expect(froms).toHaveLength(2);
    for (const f of froms) expect(f.args).toMatch(/^node:(2\d|[3-9]\d)-[a-z]+-slim\b/);
    const build = all
      .filter((i) => i.stage === 0)
      .map((i) => `${i.op} ${i.args}`)
      .join("\n");
    expect(build).toMatch(/python3/);
    expect(build).toMatch(/g\+\+/);
    expect(build).toMatch(/npm ci\b/);
    expect(build).toMatch(/npm prune --omit=dev/);
    const runtime = all.filter((i) => i.stage === 1);
    const text = runtime.map((i) => `${i.op} ${i.args}`).join("\n");
    expect(text).not.toMatch(/npm (ci|install)/); // nothing installed at runtime…
    for (const what of ["dist", "node_modules", "package.json"]) {
      expect(text).toMatch(new RegExp(`COPY --from=build \\S*${what}`)); // …it is copied from the build
    }
    expect(runtime.find((i) => i.op === "USER")?.args).toMatch(/^10001(:10001)?$/);
    expect(text).toMatch(/useradd --uid 10001/);
  });

  it("ignores local build products and secrets in the build context", () => {
    const ignored = readFileSync(path.join(ROOT, ".dockerignore"), "utf8").split("\n");
    for (const entry of ["node_modules", "dist", ".git", ".roster"])
      expect(ignored).toContain(entry);
  });

  it("starts: the image's ENTRYPOINT + CMD run outside Docker print the help", () => {
    const { script, cmd } = startCommand(parseDockerfile());
    expect(cmd).toEqual(["--help"]);
    const run = spawnSync(process.execPath, [script, ...cmd], { encoding: "utf8", cwd: tmpdir() });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Usage: roster/);
    expect(run.stdout).toMatch(/^\s+run \[options\]/m);
  });
});

describe("roster run --source kubernetes (the image's start command) against a fake API server", () => {
  let server: FakeKubeApiServer;
  let dir: string;
  let child: ChildProcess | undefined;

  beforeEach(async () => {
    server = new FakeKubeApiServer();
    await server.start();
    dir = mkdtempSync(path.join(tmpdir(), "roster-kube-run-"));
  });
  afterEach(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reconciles into the SQLite store, serves /readyz, and hands the Lease back on SIGTERM", async () => {
    const kubeconfig = path.join(dir, "kubeconfig");
    writeFileSync(
      kubeconfig,
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        `- name: fake\n  cluster:\n    server: ${server.url}\n    insecure-skip-tls-verify: true`,
        "users:",
        "- name: ci\n  user:\n    token: e2e-token",
        "contexts:",
        "- name: fake\n  context:\n    cluster: fake\n    user: ci\n    namespace: team",
        "current-context: fake",
        "",
      ].join("\n"),
    );
    server.put("organizations", {
      metadata: { name: "acme", namespace: "team" },
      spec: { domains: ["acme.com"] },
    });
    server.put("members", {
      metadata: { name: "alice", namespace: "team" },
      spec: { organization: "acme", email: "alice@acme.com", role: "owner" },
    });
    server.put("members", {
      metadata: { name: "bob", namespace: "team" },
      spec: { organization: "acme", email: "bob@acme.com", role: "member" },
    });

    const { script } = startCommand(parseDockerfile());
    const args = [
      "run",
      "--source",
      "kubernetes",
      "--kubeconfig",
      kubeconfig,
      "--backend",
      `sqlite:${path.join(dir, "portal.db")}`,
      "--lease-namespace",
      "roster-system",
      "--lease-duration",
      "3s",
      "--renew-deadline",
      "2s",
      "--retry-period",
      "200ms",
      "--listen",
      "127.0.0.1:0",
      "--identity",
      "e2e-pod",
    ];
    child = spawn(process.execPath, [script, ...args], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    await waitFor(
      () => /"listen":"http:\/\/127\.0\.0\.1:\d+"/.test(stderr),
      15_000,
      "the listen line",
    );
    const url = /"listen":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(stderr)![1]!;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, 15_000, "/readyz");

    await waitFor(
      () =>
        (server.get("members", "team", "bob")?.status as { phase?: string } | undefined)?.phase ===
        "Invited",
      15_000,
      "bob Invited",
    );
    const org = server.get("organizations", "team", "acme")!;
    expect(org.status).toMatchObject({ ready: true, owner: "alice@acme.com", pendingInvites: 1 });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^roster_kubernetes_leader 1$/m);
    // The same sync metrics as `roster run` on a Git source.
    expect(metrics).toMatch(/^roster_sync_total\{org="acme",result="synced"\} [1-9]/m);
    expect(metrics).toMatch(
      /^roster_steps_applied_total\{org="acme",action="invite",result="applied"\} 1$/m,
    );
    // Every Kubernetes write came from the controller's kubeconfig user.
    const tokens = new Set(server.requests.filter((r) => r.method !== "GET").map((r) => r.token));
    expect(tokens).toEqual(new Set(["e2e-token"]));

    const exited = new Promise<number | null>((resolve) =>
      child!.on("exit", (code) => resolve(code)),
    );
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    const lease = server.get("leases", "roster-system", "roster-controller")?.spec as Record<
      string,
      unknown
    >;
    expect(lease.holderIdentity).toBe("");
    expect(stderr).not.toMatch(/e2e-token/); // the credential never reaches the logs
  });
});
