import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { microTime } from "../../controller/adapters/kubernetes/leader-election.js";
import { FakeKubeApiServer } from "../fakes/kube-api-server.js";

const CLI = path.resolve(import.meta.dirname, "../../dist/controller/cli/main.js");
const OURS = ["roster.workjet.io/revoke-access", "roster.workjet.io/deletion-policy"];

function roster(args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("roster kube release-finalizers (uninstall when the controller is gone)", () => {
  let server: FakeKubeApiServer;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(async () => {
    server = new FakeKubeApiServer();
    await server.start();
    dir = mkdtempSync(path.join(tmpdir(), "roster-release-"));
    const kubeconfig = path.join(dir, "kubeconfig");
    writeFileSync(
      kubeconfig,
      [
        "apiVersion: v1",
        "kind: Config",
        `clusters:\n- name: fake\n  cluster:\n    server: ${server.url}\n    insecure-skip-tls-verify: true`,
        "users:\n- name: ci\n  user:\n    token: admin",
        "contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: ci",
        "current-context: fake",
        "",
      ].join("\n"),
    );
    env = { ...process.env, KUBECONFIG: kubeconfig };
    server.put("organizations", {
      metadata: { name: "acme", namespace: "team", finalizers: [OURS[1]!, "other.io/keep"] },
      spec: {},
    });
    server.put("members", {
      metadata: { name: "alice", namespace: "team", finalizers: [OURS[0]!] },
      spec: { organization: "acme", email: "alice@acme.com", role: "owner" },
    });
    server.put("members", {
      metadata: { name: "bob", namespace: "other", finalizers: [OURS[0]!] },
      spec: { organization: "acme", email: "bob@acme.com", role: "member" },
    });
  });
  afterEach(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const lease = (renewedMsAgo: number) =>
    server.put("leases", {
      metadata: { name: "roster-controller", namespace: "roster-system" },
      spec: {
        holderIdentity: "pod-a",
        leaseDurationSeconds: 15,
        renewTime: microTime(new Date(Date.now() - renewedMsAgo)),
      },
    });
  const finalizers = () => [
    server.get("organizations", "team", "acme")?.metadata.finalizers,
    server.get("members", "team", "alice")?.metadata.finalizers,
    server.get("members", "other", "bob")?.metadata.finalizers,
  ];

  it("refuses while the controller holds a fresh Lease, changing nothing", async () => {
    lease(1000);
    const run = await roster(["kube", "release-finalizers"], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/the controller pod-a holds Lease roster-system\/roster-controller/);
    expect(run.stderr).toMatch(/--force/);
    expect(server.requests.filter((r) => r.method !== "GET")).toEqual([]);
    expect(finalizers()).toEqual([[OURS[1], "other.io/keep"], [OURS[0]], [OURS[0]]]);
  });

  it("lists with --dry-run, then releases only Roster's finalizers once the Lease lapsed", async () => {
    lease(60_000);
    const dry = await roster(["kube", "release-finalizers", "--dry-run"], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe(
      [
        "would release other/Member/bob",
        "would release team/Member/alice",
        "would release team/Organization/acme",
        "3 finalizer(s) would release",
        "",
      ].join("\n"),
    );
    expect(server.requests.filter((r) => r.method !== "GET")).toEqual([]);

    // Alice is being deleted: once her last finalizer goes, so does she.
    await fetch(`${server.url}/apis/roster.workjet.io/v1alpha1/namespaces/team/members/alice`, {
      method: "DELETE",
      headers: { authorization: "Bearer admin" },
    });
    const run = await roster(["kube", "release-finalizers", "--namespace", "team"], env);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^2 finalizer\(s\) released$/m);
    expect(server.get("members", "team", "alice")).toBeUndefined();
    // Another controller's finalizer stays; another namespace is left alone.
    expect(server.get("organizations", "team", "acme")?.metadata.finalizers).toEqual([
      "other.io/keep",
    ]);
    expect(server.get("members", "other", "bob")?.metadata.finalizers).toEqual([OURS[0]]);
    // Every change is a merge patch that names the resourceVersion it read.
    const writes = server.requests.filter((r) => r.method !== "GET" && r.method !== "DELETE");
    expect(writes).toHaveLength(2);
    for (const w of writes) {
      expect(w.method).toBe("PATCH");
      expect(
        (w.body as { metadata: { resourceVersion?: string } }).metadata.resourceVersion,
      ).toMatch(/^\d+$/);
    }
  });
});
