import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PortalStore } from "../../controller/adapters/backends/sqlite/index.js";
import { FakeKubeApiServer } from "../fakes/kube-api-server.js";
import { CLI, kubeconfigYaml, rosterAsync } from "./cli-process.js";
import { waitFor } from "./helpers.js";

const NS = "team";
const KEY = "kubernetes-mode-journal-key-0123456789";

let server: FakeKubeApiServer;
let dir: string;
let env: NodeJS.ProcessEnv;
let db: string;

beforeEach(async () => {
  server = new FakeKubeApiServer();
  await server.start();
  dir = mkdtempSync(path.join(tmpdir(), "roster-kube-journal-"));
  const kubeconfig = path.join(dir, "kubeconfig");
  writeFileSync(kubeconfig, kubeconfigYaml(server.url));
  env = { ...process.env, KUBECONFIG: kubeconfig };
  delete env.ROSTER_JOURNAL_KEY;
  db = path.join(dir, "portal.db");
  const init = await rosterAsync(["portal", "init", "--backend", `sqlite:${db}`], {
    cwd: dir,
    env,
  });
  expect(init.code, init.stderr).toBe(0);
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("roster run --source kubernetes with a journal key", () => {
  it("keys the journal's chain, as folder and Git mode do", async () => {
    server.put("organizations", { metadata: { name: "acme", namespace: NS }, spec: {} });
    for (const [who, role] of [
      ["alice", "owner"],
      ["bob", "member"],
    ] as const) {
      server.put("members", {
        metadata: { name: who, namespace: NS },
        spec: { organization: "acme", email: `${who}@acme.com`, role },
      });
    }
    const child = spawn(
      process.execPath,
      [CLI, "run", "--source", `kubernetes:${NS}`, "--backend", `sqlite:${db}`],
      { cwd: dir, env: { ...env, ROSTER_JOURNAL_KEY: KEY }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise((resolve) => child.on("close", resolve));
    try {
      const invited = () => {
        const store = PortalStore.open(db, { create: false });
        try {
          return store.snapshot("acme")?.invitations.some((i) => i.email === "bob@acme.com");
        } finally {
          store.close();
        }
      };
      await waitFor(() => invited() === true, 20_000, `bob invited (${stderr})`);
    } finally {
      child.kill("SIGTERM");
      await closed;
    }
    const verify = (extra: NodeJS.ProcessEnv) =>
      rosterAsync(["journal", "verify", "--backend", `sqlite:${db}`], {
        cwd: dir,
        env: { ...env, ...extra },
      });
    const keyed = await verify({ ROSTER_JOURNAL_KEY: KEY });
    expect(keyed.code, keyed.stderr).toBe(0);
    expect(keyed.stdout).toMatch(/^journal intact: \d+ entries/);
    // An unkeyed check cannot confirm an HMAC chain: the key really was used.
    const unkeyed = await verify({});
    expect(unkeyed.code).not.toBe(0);
    expect(`${unkeyed.stdout}${unkeyed.stderr}`).not.toContain(KEY);
  });
});
