import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeKubeApiServer } from "../fakes/kube-api-server.js";
import { CLI, kubeconfigYaml, rosterAsync } from "./cli-process.js";
import { waitFor } from "./helpers.js";

const DAY = 86_400_000;
const NS = "team";

let server: FakeKubeApiServer;
let dir: string;
let env: NodeJS.ProcessEnv;
let backend: string;

beforeEach(async () => {
  server = new FakeKubeApiServer();
  await server.start();
  dir = mkdtempSync(path.join(tmpdir(), "roster-review-kube-"));
  const kubeconfig = path.join(dir, "kubeconfig");
  writeFileSync(kubeconfig, kubeconfigYaml(server.url));
  env = { ...process.env, KUBECONFIG: kubeconfig };
  backend = `sqlite:${path.join(dir, "portal.db")}`;
  const init = await rosterAsync(["portal", "init", "--backend", backend], { cwd: dir, env });
  expect(init.code, init.stderr).toBe(0);
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function organization(name: string, owner: string, member: string) {
  server.put("organizations", {
    metadata: { name, namespace: NS },
    spec: { domains: [`${name}.com`], reviews: { every: "90d" } },
  });
  for (const [who, role] of [
    [owner, "owner"],
    [member, "member"],
  ] as const) {
    server.put("members", {
      metadata: { name: who, namespace: NS },
      spec: { organization: name, email: `${who}@${name}.com`, role },
    });
  }
}

function review(name: string, org: string, reviewer: string, reviewedAt: string) {
  server.put("accessreviews", {
    metadata: { name, namespace: NS },
    spec: { organization: org, reviewer, reviewedAt },
  });
}

describe("roster plan --source kubernetes reads AccessReviews", () => {
  it("warns about a review older than spec.reviews.every, from the cluster's AccessReview", async () => {
    organization("acme", "alice", "carol");
    const reviewedAt = new Date(Date.now() - 100 * DAY).toISOString();
    review("q1", "acme", "alice@acme.com", reviewedAt);
    const run = await rosterAsync(
      ["plan", "--source", `kubernetes:${NS}`, "--backend", backend, "-o", "json"],
      { cwd: dir, env },
    );
    expect(run.stderr).toBe("");
    const plan = JSON.parse(run.stdout) as { warnings: { code: string; message: string }[] };
    const due = plan.warnings.filter((w) => w.code === "access-review-due");
    expect(due).toHaveLength(1);
    expect(due[0]?.message).toContain(`latest access review (${reviewedAt}, by alice@acme.com)`);
  });

  it("refuses a review signed by a member, naming the AccessReview, as validate does for files", async () => {
    organization("acme", "alice", "carol");
    review("q1", "acme", "carol@acme.com", new Date().toISOString());
    const run = await rosterAsync(["plan", "--source", `kubernetes:${NS}`, "--backend", backend], {
      cwd: dir,
      env,
    });
    expect(run.code).toBe(1);
    expect(run.stderr + run.stdout).toContain(`${NS}/AccessReview/q1`);
    expect(run.stderr + run.stdout).toContain(
      'carol@acme.com is member of "acme"; a review is signed by its owner or an admin',
    );
  });
});

describe("roster run --source kubernetes exports roster_access_review_due_seconds{org}", () => {
  it("keeps one gauge per organization although each pass reconciles one", async () => {
    organization("acme", "alice", "carol");
    organization("beta", "bea", "ben");
    review("q1", "acme", "alice@acme.com", new Date(Date.now() - 10 * DAY).toISOString());
    review("q1-beta", "beta", "bea@beta.com", new Date(Date.now() - 100 * DAY).toISOString());
    const child = spawn(
      process.execPath,
      [
        CLI,
        "run",
        "--source",
        `kubernetes:${NS}`,
        "--backend",
        backend,
        "--listen",
        "127.0.0.1:0",
        "--lease-namespace",
        NS,
      ],
      { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise((resolve) => child.on("close", resolve));
    try {
      await waitFor(() => /"listen":"http:\/\/127\.0\.0\.1:\d+/.test(stderr), 15_000, "listening");
      const url = /"listen":"(http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1] ?? "";
      const gauges = async () => {
        const text = await (await fetch(`${url}/metrics`)).text();
        const out = new Map<string, number>();
        for (const m of text.matchAll(
          /^roster_access_review_due_seconds\{org="([^"]+)"\} (\S+)$/gm,
        )) {
          out.set(m[1] ?? "", Number(m[2]));
        }
        return out;
      };
      await waitFor(async () => (await gauges()).size === 2, 20_000, "both orgs' gauges");
      const seen = await gauges();
      // acme: due in about 80 days; beta: overdue by about 10 days.
      expect(Math.abs((seen.get("acme") ?? 0) - 80 * 86_400)).toBeLessThan(600);
      expect(Math.abs((seen.get("beta") ?? 0) + 10 * 86_400)).toBeLessThan(600);

      // A deleted Organization (Orphan: the backend is left alone) loses its gauge: an overdue
      // review of an organization nobody manages any more must not keep an alert firing.
      const deleted = await fetch(
        `${server.url}/apis/roster.workjet.io/v1alpha1/namespaces/${NS}/organizations/beta`,
        { method: "DELETE" },
      );
      expect(deleted.status).toBe(200);
      await waitFor(
        () => server.get("organizations", NS, "beta") === undefined,
        20_000,
        "beta gone",
      );
      await waitFor(async () => (await gauges()).size === 1, 20_000, "beta's gauge gone");
      expect([...(await gauges()).keys()]).toEqual(["acme"]);
    } finally {
      child.kill("SIGTERM");
      await closed;
    }
  });
});
