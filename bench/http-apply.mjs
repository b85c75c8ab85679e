#!/usr/bin/env node
// Applies 1,000 changes through the HTTP backend (`roster serve`'s API behind a fault proxy that
// adds 50 ms to every request) at concurrency 1 and 16, and counts what the server received.
// Usage: npm run build && node bench/http-apply.mjs [--changes 1000] [--latency 50]
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = (p) => import(path.join(root, "dist/controller", p));
const { PortalStore } = await dist("adapters/backends/sqlite/store.js");
const { SqliteControllerState } = await dist("adapters/backends/sqlite/controller-state.js");
const { HttpBackend } = await dist("adapters/backends/http/backend.js");
const { FolderSource } = await dist("adapters/sources/folder.js");
const cli = path.join(root, "dist/controller/cli/main.js");
const { reconcile } = await dist("reconcile/index.js");
const { defaultOrgSettings } = await dist("model/index.js");

// The fault proxy is a test fake written in TypeScript with node: imports only: transpile it.
const outDir = path.join(root, "bench/out");
mkdirSync(outDir, { recursive: true });
const proxySource = readFileSync(path.join(root, "test/fakes/fault-proxy.ts"), "utf8");
const proxyJs = ts.transpileModule(proxySource, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
}).outputText;
writeFileSync(path.join(outDir, "fault-proxy.mjs"), proxyJs);
const { FaultProxy } = await import(path.join(outDir, "fault-proxy.mjs"));

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const CHANGES = arg("--changes", 1000);
const LATENCY = arg("--latency", 50);
const PAGE = 200;
const ORG = "bench";
const OWNER = "owner@bench.example";
const SYSTEM = { kind: "system", name: "bench" };

// The change mix: 40% invites, 30% role changes (half promotions, half demotions), 30% removals.
const invites = Math.round(CHANGES * 0.4);
const roleChanges = Math.round(CHANGES * 0.3);
const removals = CHANGES - invites - roleChanges;
const unchanged = Math.round(CHANGES * 0.1);
const seeded = roleChanges + removals + unchanged;
const email = (kind, i) => `${kind}${String(i).padStart(5, "0")}@bench.example`;

const work = mkdtempSync(path.join(tmpdir(), "roster-http-bench-"));
const template = path.join(work, "template.db");

function seed() {
  const store = PortalStore.open(template);
  store.createOrganization(SYSTEM, ORG, defaultOrgSettings(ORG), OWNER);
  const insert = store.db.prepare(
    "INSERT INTO memberships (org_id, email, role, since) VALUES ((SELECT id FROM organizations WHERE slug = ?), ?, ?, ?)",
  );
  const user = store.db.prepare("INSERT INTO users (email, created_at) VALUES (?, ?)");
  const now = new Date().toISOString();
  store.db.transaction(() => {
    for (let i = 0; i < seeded; i++) {
      const e = email("m", i);
      user.run(e, now);
      // Role changes alternate: members to promote, admins to demote.
      insert.run(ORG, e, i < roleChanges && i % 2 === 1 ? "admin" : "member", now);
    }
  })();
  const key = store.createApiKey(SYSTEM, ORG, OWNER).key;
  store.close();
  return key;
}

function writeSource(dir) {
  const docs = [
    `apiVersion: roster.workjet.io/v1alpha1
kind: Organization
metadata: { name: ${ORG} }
spec:
  displayName: ${ORG}
  domains: []
  autoProvisioning: { enabled: false, role: member }
  invitations: { expireAfter: 7d }
  unmanaged: remove
  safety: { maxRemovals: "100%" }`,
  ];
  const member = (i, e, role) =>
    `apiVersion: roster.workjet.io/v1alpha1
kind: Member
metadata: { name: n${i} }
spec: { organization: ${ORG}, email: ${e}, role: ${role} }`;
  let n = 0;
  docs.push(member(n++, OWNER, "owner"));
  for (let i = 0; i < roleChanges; i++) {
    docs.push(member(n++, email("m", i), i % 2 === 1 ? "member" : "admin"));
  }
  for (let i = roleChanges + removals; i < seeded; i++)
    docs.push(member(n++, email("m", i), "member"));
  for (let i = 0; i < invites; i++) docs.push(member(n++, email("new", i), "member"));
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "bench.yaml"), docs.join("\n---\n") + "\n");
}

/**
 * The real server, `roster serve`, in its own process (as in production: its CPU is not the
 * client's). The fault proxy in front of it adds the latency and logs every request it
 * forwarded: with no fault injected, that log is exactly what the server received.
 */
async function startServer(dir) {
  const child = spawn(
    process.execPath,
    [
      cli,
      "serve",
      "--backend",
      `sqlite:${path.join(dir, "portal.db")}`,
      "--listen",
      "127.0.0.1:0",
      // The rate limit is not what is measured here: one key sends everything.
      "--rate-limit",
      "1000000",
    ],
    { cwd: dir, stdio: ["ignore", "ignore", "pipe"] },
  );
  const url = await new Promise((resolve, reject) => {
    let text = "";
    child.stderr.on("data", (d) => {
      text += d;
      const m = /listening on (http:\/\/[\d.:]+)/.exec(text);
      if (m) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error(`roster serve exited ${code}: ${text}`)));
  });
  const proxy = await FaultProxy.start(url, { latencyMs: LATENCY });
  return {
    proxy,
    counts() {
      const counts = new Map();
      for (const r of proxy.log) {
        if (r.upstreamStatus === undefined) continue;
        const key = `${r.method} ${r.path.replace(/\/(members|invitations)\/[^/]+$/, "/$1/{email}")}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return counts;
    },
    close: async () => {
      await proxy.close();
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

const sum = (counts, test) => [...counts].filter(([k]) => test(k)).reduce((a, [, n]) => a + n, 0);

async function pass(server, backend, state, source, concurrency) {
  server.proxy.clearLog();
  const started = performance.now();
  const result = await reconcile(
    { source, backend, state },
    { dryRun: false, concurrency, actor: "bench" },
  );
  const seconds = (performance.now() - started) / 1000;
  const steps = result.orgs.flatMap((o) => o.results);
  const failed = steps.filter((r) => r.result === "failed");
  if (failed.length > 0)
    throw new Error(`${failed.length} steps failed: ${failed[0].error?.message}`);
  const counts = server.counts();
  return {
    seconds,
    steps: result.plan?.steps.length ?? 0,
    applied: steps.filter((r) => r.result === "applied").length,
    writes: sum(counts, (k) => !k.startsWith("GET ")),
    memberPages: counts.get(`GET /v1/orgs/${ORG}/members`) ?? 0,
    invitationPages: counts.get(`GET /v1/orgs/${ORG}/invitations`) ?? 0,
    reads: sum(counts, (k) => k.startsWith("GET ")),
  };
}

async function run(key, concurrency) {
  const dir = path.join(work, `c${concurrency}`);
  mkdirSync(dir, { recursive: true });
  copyFileSync(template, path.join(dir, "portal.db"));
  writeSource(path.join(dir, "src"));
  const server = await startServer(dir);
  const backend = new HttpBackend({
    baseUrl: server.proxy.url,
    token: key,
    pageSize: PAGE,
    concurrency: 16,
  });
  const state = SqliteControllerState.open(path.join(dir, "state.db"));
  const source = new FolderSource([path.join(dir, "src")]);
  try {
    const before = (await backend.snapshot(ORG)).members.length;
    const first = await pass(server, backend, state, source, concurrency);
    const after = await backend.snapshot(ORG);
    const resync = await pass(server, backend, state, source, concurrency);
    return {
      first,
      resync,
      before,
      after: { members: after.members.length, invitations: after.invitations.length },
    };
  } finally {
    await state.close();
    await server.close();
  }
}

const ceil = (n) => Math.ceil(Math.max(n, 1) / PAGE);
const check = (label, actual, expected) =>
  console.log(
    `  ${actual === expected ? "ok  " : "FAIL"} ${label}: ${actual} (expected ${expected})`,
  );

try {
  console.log(
    `HTTP apply: ${CHANGES} changes (${invites} invites, ${roleChanges} role changes, ${removals} removals), ` +
      `${LATENCY} ms added to every request, page size ${PAGE}`,
  );
  const key = seed();
  const results = {};
  for (const c of [1, 16]) {
    const r = await run(key, c);
    results[c] = r;
    console.log(
      `\nconcurrency ${c}: apply pass ${r.first.seconds.toFixed(2)} s, ${r.first.steps} steps, ${r.first.applied} applied`,
    );
    check("writes == steps", r.first.writes, r.first.steps);
    check("member list pages == ceil(members / page)", r.first.memberPages, ceil(r.before));
    check("invitation list pages (none open)", r.first.invitationPages, 1);
    console.log(
      `  reads in the apply pass: ${r.first.reads} (lists + GET /v1/orgs, /v1/orgs/${ORG}, /v1/me)`,
    );
    console.log(`  no-op re-sync: ${r.resync.seconds.toFixed(2)} s, ${r.resync.steps} steps`);
    check("re-sync writes", r.resync.writes, 0);
    check(
      "re-sync member pages == ceil(members / page)",
      r.resync.memberPages,
      ceil(r.after.members),
    );
    check(
      "re-sync invitation pages == ceil(invitations / page)",
      r.resync.invitationPages,
      ceil(r.after.invitations),
    );
  }
  const speedup = results[1].first.seconds / results[16].first.seconds;
  console.log(
    `\nspeed-up at concurrency 16: ${speedup.toFixed(1)}× (target ≥ 12×; ideal 16×) — ` +
      `${results[1].first.seconds.toFixed(2)} s → ${results[16].first.seconds.toFixed(2)} s`,
  );
  // Where the time goes: at concurrency 1 each step costs the injected latency plus the work of
  // client, proxy and server; at 16 the latency overlaps but that work shares the CPU.
  const perStep1 = (results[1].first.seconds * 1000) / results[1].first.steps;
  const perStep16 = (results[16].first.seconds * 1000) / results[16].first.steps;
  console.log(
    `per step: ${perStep1.toFixed(1)} ms at concurrency 1 (${LATENCY} ms injected + ` +
      `${(perStep1 - LATENCY).toFixed(1)} ms of work), ${perStep16.toFixed(1)} ms at 16 ` +
      `(latency-bound floor ${(perStep1 / 16).toFixed(1)} ms); load average ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
