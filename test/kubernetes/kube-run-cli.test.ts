import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FakeKubeApiServer } from "../fakes/kube-api-server.js";
import { CLI, kubeconfigYaml, rosterAsync } from "./cli-process.js";

function roster(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", cwd: tmpdir() });
}

describe("roster run --source kubernetes: bad input is refused before anything starts", () => {
  it.each([
    [["--namespace", "team", "--all-namespaces"], /either --namespace NS or --all-namespaces/],
    [
      ["--kubeconfig", "/nonexistent/kubeconfig"],
      /cannot load --kubeconfig \/nonexistent\/kubeconfig/,
    ],
    [["--listen", "nowhere"], /argument 'nowhere' is invalid. expected HOST:PORT/],
    [["--lease-duration", "soon"], /expected a duration such as 500ms, 15s/],
    [["--max-concurrent-orgs", "0"], /expected a whole number ≥ 1/],
  ])("%j", (args, message) => {
    const run = roster("run", "--source", "kubernetes", ...args);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it("documents itself with an example", () => {
    const run = roster("run", "--help");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/\$ roster run --source kubernetes/);
    for (const flag of [
      "--all-namespaces",
      "--kubeconfig",
      "--max-concurrent-orgs",
      "--lease-name",
      "--lease-duration",
      "--listen",
    ]) {
      expect(run.stdout).toContain(flag);
    }
  });
});

describe("roster plan --source kubernetes:NAMESPACE", () => {
  it("plans from the cluster named by $KUBECONFIG, without writing", async () => {
    const server = new FakeKubeApiServer();
    await server.start();
    const dir = mkdtempSync(path.join(tmpdir(), "roster-plan-kube-"));
    try {
      const kubeconfig = path.join(dir, "kubeconfig");
      writeFileSync(kubeconfig, kubeconfigYaml(server.url));
      server.put("organizations", { metadata: { name: "acme", namespace: "team" }, spec: {} });
      server.put("members", {
        metadata: { name: "alice", namespace: "team" },
        spec: { organization: "acme", email: "alice@acme.com", role: "owner" },
      });
      server.put("members", {
        metadata: { name: "bob", namespace: "team" },
        spec: { organization: "acme", email: "bob@acme.com", role: "admin" },
      });
      const init = await rosterAsync(
        ["portal", "init", "--backend", `sqlite:${path.join(dir, "portal.db")}`],
        { cwd: dir, env: process.env },
      );
      expect(init.code, init.stderr).toBe(0);
      const args = [
        "plan",
        "--source",
        "kubernetes:team",
        "--backend",
        `sqlite:${path.join(dir, "portal.db")}`,
        "-o",
        "json",
      ];
      const run = await rosterAsync(args, {
        cwd: dir,
        env: { ...process.env, KUBECONFIG: kubeconfig },
      });
      expect(run.stderr).toBe("");
      expect(run.code).toBe(2); // changes to make
      const plan = JSON.parse(run.stdout) as { steps: { action: string; email?: string }[] };
      expect(plan.steps.map((s) => `${s.action}:${s.email ?? ""}`)).toEqual([
        "createOrganization:alice@acme.com",
        "invite:bob@acme.com",
      ]);
      expect(server.requests.filter((r) => r.method !== "GET")).toEqual([]);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
