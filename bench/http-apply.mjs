#!/usr/bin/env node
// Applies 1,000 changes through the HTTP backend to the Portal API behind the fault proxy, which
// adds 50 ms to every request, at concurrency 1 and 16; counts what the server received.
// Usage: npm run build && node bench/http-apply.mjs [--changes 1000] [--latency 50]
import { fork } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const self = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(self), "..");
const dist = (p) => import(path.join(root, "dist/controller", p));
const { PortalStore } = await dist("adapters/backends/sqlite/store.js");
const PAGE = 200;
const ORG = "bench";
const OWNER = "owner@bench.example";
const SYSTEM = { kind: "system", name: "bench" };

/** The fault proxy is a test fake in TypeScript with node: imports only: transpile it. */
async function loadFaultProxy() {
  const outDir = path.join(root, "bench/out");
  mkdirSync(outDir, { recursive: true });
  const source = readFileSync(path.join(root, "test/fakes/fault-proxy.ts"), "utf8");
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  writeFileSync(path.join(outDir, "fault-proxy.mjs"), js);
  return (await import(path.join(outDir, "fault-proxy.mjs"))).FaultProxy;
}

/**
 * Server mode (a child process, so that its CPU is not the client's, as in production): the
 * Portal API server `roster serve` runs (createPortalServer over the store, no mailer), and the
 * fault proxy in front of it adds the latency and logs every request it forwarded — with no
 * fault injected, exactly what the server received. Talks to the parent over IPC.
 */
async function serve(file, latency) {
  const { createPortalServer } = await dist("server/portal-api/server.js");
  const FaultProxy = await loadFaultProxy();
  const store = PortalStore.open(file);
  // The rate limit is not what is measured here: one key sends everything.
  const server = createPortalServer({ store, rateLimit: { ratePerSecond: 1e6, burst: 1e6 } });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const proxy = await FaultProxy.start(`http://127.0.0.1:${server.address().port}`, {
    latencyMs: latency,
  });
  process.on("message", async (message) => {
    if (message === "clear") proxy.clearLog();
    if (message === "counts") {
      const counts = {};
      for (const r of proxy.log) {
        if (r.upstreamStatus === undefined) continue;
        const key = `${r.method} ${r.path.replace(/\/(members|invitations)\/[^/]+$/, "/$1/{email}")}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      process.send({ counts });
    }
    if (message === "stop") {
      await proxy.close();
      server.closeAllConnections();
      server.close(() => {
        store.close();
        process.exit(0);
      });
    }
  });
  process.send({ url: proxy.url });
}

if (process.argv[2] === "--serve") {
  await serve(process.argv[3], Number(process.argv[4]));
} else {
  await main();
}

async function startServer(file, latency) {
  const child = fork(self, ["--serve", file, String(latency)], { stdio: "inherit" });
  const next = () => new Promise((resolve) => child.once("message", resolve));
  const { url } = await next();
  return {
    url,
    clear: () => child.send("clear"),
    counts: async () => {
      child.send("counts");
      return new Map(Object.entries((await next()).counts));
    },
    stop: async () => {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.send("stop");
      await exited;
    },
  };
}

async function main() {
  const { SqliteControllerState } = await dist("adapters/backends/sqlite/controller-state.js");
  const { HttpBackend } = await dist("adapters/backends/http/backend.js");
  const { FolderSource } = await dist("adapters/sources/folder.js");
  const { reconcile } = await dist("reconcile/index.js");
  const { defaultOrgSettings } = await dist("model/index.js");

  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const CHANGES = arg("--changes", 1000);
  const LATENCY = arg("--latency", 50);
  // The mix: 40% invites, 30% role changes (half promotions, half demotions), 30% removals.
  const invites = Math.round(CHANGES * 0.4);
  const roleChanges = Math.round(CHANGES * 0.3);
  const removals = CHANGES - invites - roleChanges;
  const seeded = roleChanges + removals + Math.round(CHANGES * 0.1);
  const email = (kind, i) => `${kind}${String(i).padStart(5, "0")}@bench.example`;
  const work = mkdtempSync(path.join(tmpdir(), "roster-http-bench-"));
  const template = path.join(work, "template.db");

  function seed() {
    const store = PortalStore.open(template);
    store.createOrganization(SYSTEM, ORG, defaultOrgSettings(ORG), OWNER);
    const user = store.db.prepare("INSERT INTO users (email, created_at) VALUES (?, ?)");
    const member = store.db.prepare(
      "INSERT INTO memberships (org_id, email, role, since) VALUES ((SELECT id FROM organizations WHERE slug = ?), ?, ?, ?)",
    );
    const now = new Date().toISOString();
    store.db.transaction(() => {
      for (let i = 0; i < seeded; i++) {
        user.run(email("m", i), now);
        member.run(ORG, email("m", i), i < roleChanges && i % 2 === 1 ? "admin" : "member", now);
      }
    })();
    const key = store.createApiKey(SYSTEM, ORG, OWNER).key;
    store.close();
    return key;
  }

  function writeSource(dir) {
    const org = `apiVersion: roster.workjet.io/v1alpha1
kind: Organization
metadata: { name: ${ORG} }
spec:
  displayName: ${ORG}
  domains: []
  unmanaged: remove
  safety: { maxRemovals: "100%" }`;
    const docs = [org];
    const member = (e, role) =>
      `apiVersion: roster.workjet.io/v1alpha1
kind: Member
metadata: { name: n${docs.length} }
spec: { organization: ${ORG}, email: ${e}, role: ${role} }`;
    docs.push(member(OWNER, "owner"));
    for (let i = 0; i < roleChanges; i++) {
      docs.push(member(email("m", i), i % 2 === 1 ? "member" : "admin"));
    }
    for (let i = roleChanges + removals; i < seeded; i++)
      docs.push(member(email("m", i), "member"));
    for (let i = 0; i < invites; i++) docs.push(member(email("new", i), "member"));
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "bench.yaml"), docs.join("\n---\n") + "\n");
  }

  const sum = (counts, test) => [...counts].filter(([k]) => test(k)).reduce((a, [, n]) => a + n, 0);

  async function pass(server, deps, concurrency) {
    server.clear();
    const started = performance.now();
    const result = await reconcile(deps, { dryRun: false, concurrency, actor: "bench" });
    const seconds = (performance.now() - started) / 1000;
    const steps = result.orgs.flatMap((o) => o.results);
    const failed = steps.filter((r) => r.result === "failed");
    if (failed.length > 0) throw new Error(`${failed.length} failed: ${failed[0].error?.message}`);
    const counts = await server.counts();
    return {
      seconds,
      steps: result.plan?.steps.length ?? 0,
      applied: steps.filter((r) => r.result === "applied").length,
      writes: sum(counts, (k) => !k.startsWith("GET ") && !k.endsWith("/managed")),
      markWrites: sum(counts, (k) => !k.startsWith("GET ") && k.endsWith("/managed")),
      reads: sum(counts, (k) => k.startsWith("GET ")),
      memberPages: counts.get(`GET /v1/orgs/${ORG}/members`) ?? 0,
      invitationPages: counts.get(`GET /v1/orgs/${ORG}/invitations`) ?? 0,
    };
  }

  async function run(key, concurrency) {
    const dir = path.join(work, `c${concurrency}`);
    mkdirSync(dir, { recursive: true });
    copyFileSync(template, path.join(dir, "portal.db"));
    writeSource(path.join(dir, "src"));
    const server = await startServer(path.join(dir, "portal.db"), LATENCY);
    const backend = new HttpBackend({ baseUrl: server.url, token: key, pageSize: PAGE });
    const state = SqliteControllerState.open(path.join(dir, "state.db"));
    const deps = { source: new FolderSource([path.join(dir, "src")]), backend, state };
    try {
      const before = (await backend.snapshot(ORG)).members.length;
      const first = await pass(server, deps, concurrency);
      const after = await backend.snapshot(ORG);
      const resync = await pass(server, deps, concurrency);
      return { first, resync, before, after };
    } finally {
      await state.close();
      await server.stop();
    }
  }

  const pages = (n) => Math.max(1, Math.ceil(n / PAGE));
  const check = (label, actual, expected) =>
    console.log(
      `  ${actual === expected ? "ok  " : "FAIL"} ${label}: ${actual} (expected ${expected})`,
    );

  try {
    console.log(
      `HTTP apply: ${CHANGES} changes (${invites} invites, ${roleChanges} role changes, ` +
        `${removals} removals), ${LATENCY} ms added to every request, page size ${PAGE}`,
    );
    const key = seed();
    const results = {};
    for (const c of [1, 16]) {
      const { first, resync, before, after } = await run(key, c);
      results[c] = first;
      console.log(
        `\nconcurrency ${c}: ${first.seconds.toFixed(2)} s, ${first.steps} steps, ${first.applied} applied`,
      );
      check("step writes == steps", first.writes, first.steps);
      // Declared records are marked as managed before the first write, in batches (issue 11).
      console.log(`  managed-mark writes: ${first.markWrites}`);
      check(`member list pages == ceil(${before} / ${PAGE})`, first.memberPages, pages(before));
      check("invitation list pages (none open)", first.invitationPages, 1);
      console.log(`  reads: ${first.reads} (the list pages + /v1/orgs, /v1/orgs/${ORG}, /v1/me)`);
      console.log(`  no-op re-sync: ${resync.seconds.toFixed(2)} s, ${resync.steps} steps`);
      check("re-sync writes", resync.writes, 0);
      const m = after.members.length;
      const i = after.invitations.length;
      check(`re-sync member pages == ceil(${m} / ${PAGE})`, resync.memberPages, pages(m));
      check(`re-sync invitation pages == ceil(${i} / ${PAGE})`, resync.invitationPages, pages(i));
    }
    const speedup = results[1].seconds / results[16].seconds;
    console.log(
      `\nspeed-up at concurrency 16: ${speedup.toFixed(1)}× (target ≥ 12×; ideal 16×) — ` +
        `${results[1].seconds.toFixed(2)} s → ${results[16].seconds.toFixed(2)} s`,
    );
    // Where the time goes: at concurrency 1 a step costs the latency plus the work of client,
    // proxy and server; at 16 the latency overlaps, but that work shares the CPUs.
    const per1 = (results[1].seconds * 1000) / results[1].steps;
    const per16 = (results[16].seconds * 1000) / results[16].steps;
    console.log(
      `per step: ${per1.toFixed(1)} ms at concurrency 1 (${LATENCY} ms injected + ` +
        `${(per1 - LATENCY).toFixed(1)} ms of work), ${per16.toFixed(1)} ms at 16 (ideal ` +
        `${(per1 / 16).toFixed(1)} ms); load average ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
