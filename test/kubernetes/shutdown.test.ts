import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type {
  IdentityBackend,
  InvitableRole,
  WriteContext,
  WriteOutcome,
} from "../../controller/model/index.js";
import { FakeKubeApiServer } from "../fakes/kube-api-server.js";
import { Harness } from "./harness.js";
import { waitFor } from "./helpers.js";
import { TimedDoor } from "./timed-door.js";

const CLI = path.resolve(import.meta.dirname, "../../dist/controller/cli/main.js");

function kubeconfigYaml(server: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    `clusters:\n- name: fake\n  cluster:\n    server: ${server}\n    insecure-skip-tls-verify: true`,
    "users:\n- name: ci\n  user:\n    token: t",
    "contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: ci\n    namespace: team",
    "current-context: fake",
    "",
  ].join("\n");
}

describe("roster run --source kubernetes stops within its grace period (a real process)", () => {
  let server: FakeKubeApiServer;
  let dir: string;
  let child: ChildProcess | undefined;
  beforeEach(async () => {
    server = new FakeKubeApiServer();
    await server.start();
    dir = mkdtempSync(path.join(tmpdir(), "roster-shutdown-"));
  });
  afterEach(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("exits cleanly on SIGTERM during start-up, while its first list hangs", async () => {
    const kubeconfig = path.join(dir, "kubeconfig");
    writeFileSync(kubeconfig, kubeconfigYaml(server.url));
    // The API server takes the lists and never answers: start-up cannot complete by itself.
    server.hangNext("GET", "/organizations", 100);
    server.hangNext("GET", "/members", 100);
    const args = [
      "run",
      "--source",
      "kubernetes",
      "--kubeconfig",
      kubeconfig,
      "--backend",
      `sqlite:${path.join(dir, "portal.db")}`,
      "--listen",
      "127.0.0.1:0",
      "--kube-api-timeout",
      "60s",
      "--shutdown-grace",
      "2s",
    ];
    child = spawn(process.execPath, [CLI, ...args], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child!.on("exit", (code, signal) => resolve({ code, signal })),
    );
    await waitFor(
      () => server.requests.some((r) => r.method === "GET" && r.path.endsWith("/organizations")),
      15_000,
      "the first list, in start-up",
    );
    expect(stderr).not.toMatch(/"msg":"stopped"/);
    const signalled = performance.now();
    child.kill("SIGTERM");
    const { code, signal } = await exited;
    const took = performance.now() - signalled;
    // Handled, not killed by the default action: it said so, released what it held, exited 0.
    expect(signal).toBeNull();
    expect(code).toBe(0);
    expect(took).toBeLessThan(2000 + 1500);
    expect(stderr).toMatch(/"msg":"stopping","signal":"SIGTERM"/);
    expect(stderr).toMatch(/"msg":"stopped"/);
  });
});

/** A backend whose writes never answer: a reconcile in flight that would outlast any grace. */
class StuckBackend extends TimedDoor {
  override invite(_o: string, email: string, _r: InvitableRole, _c: WriteContext) {
    this.arrived.push({ at: performance.now(), what: `invite:${email}` });
    return new Promise<WriteOutcome>(() => {});
  }
}

describe("stopping the Kubernetes controller with a deadline", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await new Harness().start();
  });
  afterEach(async () => {
    await h.close();
  });

  it("gives in-flight work the deadline, then hands the Lease back", async () => {
    await h.createOrg("acme");
    await h.createMember("alice", "owner");
    await h.createMember("bob", "member");
    const stuck = new StuckBackend(h.backend);
    const backend: IdentityBackend = stuck;
    const lease = {
      name: "roster-controller",
      namespace: "roster-system",
      leaseDurationMs: 30_000,
      renewDeadlineMs: 20_000,
      retryPeriodMs: 200,
    };
    const c = await h.controller({ identity: "pod-a", backend, leaderElection: lease });
    // bob's invite is in flight and will never finish.
    await waitFor(
      () => stuck.arrived.some((w) => w.what === "invite:bob@acme.com"),
      10_000,
      "bob's invite in flight",
    );
    const started = performance.now();
    await c.stop({ releaseLease: true, deadlineMs: 3000 });
    expect(performance.now() - started).toBeLessThan(3000 + 1000);
    expect(c.isLeader).toBe(false);
    const spec = h.server.get("leases", "roster-system", "roster-controller")?.spec;
    expect(spec).toMatchObject({ holderIdentity: "" });
  });
});
