#!/usr/bin/env node
// `roster plan` as a whole command over 100,000 declared members (one org, 1,000 documents a
// file), against (b) an empty backend and (c) a backend holding the 100,000 with 1% of them in
// another role. The floor (a) is js-yaml's loadAll over the same files, in this process.
// Targets (issue 3): whole command ≤ 3× the floor, peak RSS < 500 MB.
// Run after a build: `npm run build && node bench/plan-command.mjs [--members N]`.
import Database from "better-sqlite3";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cli = path.join(root, "dist/controller/cli/main.js");
const hook = path.join(root, "bench/rss-hook.mjs");
const argIndex = process.argv.indexOf("--members");
const MEMBERS = argIndex > 0 ? Number(process.argv[argIndex + 1]) : 100_000;
const PER_FILE = 1_000;
const CHANGED = Math.floor(MEMBERS / 100);
const ORG = "bench";

if (!existsSync(cli)) {
  console.error(`build first: ${cli} is missing (npm run build)`);
  process.exit(1);
}

const email = (i) => `user${String(i).padStart(6, "0")}@bench.example.com`;
const role = (i) => (i === 0 ? "owner" : i % 50 === 0 ? "admin" : "member");

/** The tree is reused between runs: generating it is not what we measure. */
function ensureTree() {
  const dir = path.join(root, "bench/out", `plan-${MEMBERS}`);
  const marker = path.join(dir, ".complete");
  if (existsSync(marker)) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, "organization.yaml"),
    `apiVersion: roster.workjet.io/v1alpha1
kind: Organization
metadata: { name: ${ORG} }
spec:
  displayName: Bench Inc.
  domains: [bench.example.com]
  safety: { maxRemovals: 10 }
`,
  );
  for (let start = 0; start < MEMBERS; start += PER_FILE) {
    const docs = [];
    for (let i = start; i < Math.min(MEMBERS, start + PER_FILE); i++) {
      docs.push(`apiVersion: roster.workjet.io/v1alpha1
kind: Member
metadata:
  name: user${String(i).padStart(6, "0")}
spec:
  organization: ${ORG}
  email: ${email(i)}
  role: ${role(i)}
`);
    }
    const file = `members-${String(start / PER_FILE).padStart(3, "0")}.yaml`;
    writeFileSync(path.join(dir, file), docs.join("---\n"));
  }
  writeFileSync(marker, "");
  return dir;
}

function yamlFiles(dir) {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => path.join(dir, f));
}

function floor(dir) {
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  let docs = 0;
  for (const file of yamlFiles(dir)) docs += yaml.loadAll(readFileSync(file, "utf8")).length;
  const used = process.cpuUsage(cpu);
  return {
    ms: Number(process.hrtime.bigint() - start) / 1e6,
    cpuMs: (used.user + used.system) / 1000,
    docs,
  };
}

/** The backend with every declared member active, CHANGED of them in another role. */
async function fullBackend(file) {
  const { PortalStore } = await import(
    path.join(root, "dist/controller/adapters/backends/sqlite/store.js")
  );
  const store = PortalStore.open(file);
  store.createOrganization(
    { kind: "system", name: "bench" },
    ORG,
    {
      displayName: "Bench Inc.",
      domains: ["bench.example.com"],
      autoProvisioning: { enabled: false, role: "member" },
      inviteExpirySeconds: 7 * 86400,
    },
    email(0),
  );
  store.close();
  // One transaction for 100,000 rows: going through the store's per-write transactions would
  // measure the set-up, not the plan.
  const db = new Database(file);
  const orgId = db.prepare("SELECT id FROM organizations WHERE slug = ?").get(ORG).id;
  const now = new Date().toISOString();
  const user = db.prepare("INSERT OR IGNORE INTO users (email, created_at) VALUES (?, ?)");
  const member = db.prepare(
    "INSERT OR IGNORE INTO memberships (org_id, email, role, since) VALUES (?, ?, ?, ?)",
  );
  db.transaction(() => {
    for (let i = 1; i < MEMBERS; i++) {
      // Every 100th member holds another role than declared: 1% changed.
      const declared = role(i);
      const actual = i % 100 === 1 ? (declared === "admin" ? "member" : "admin") : declared;
      user.run(email(i), now);
      member.run(orgId, email(i), actual, now);
    }
  })();
  db.close();
}

function run(args, cwd) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, ["--import", hook, cli, ...args], {
      cwd,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const rss = /BENCH_MAX_RSS_KB=(\d+)/.exec(stderr);
      const cpu = /BENCH_CPU_US=(\d+)/.exec(stderr);
      resolve({
        code,
        ms,
        cpuMs: cpu ? Number(cpu[1]) / 1000 : NaN,
        rssMb: rss ? Number(rss[1]) / 1024 : NaN,
        stderr,
      });
    });
  });
}

const dir = ensureTree();
const work = path.join(os.tmpdir(), `roster-bench-plan-${process.pid}`);
mkdirSync(work, { recursive: true });
try {
  const f = floor(dir);
  console.log(`tree: ${MEMBERS.toLocaleString("en")} members, ${f.docs} documents in ${dir}`);
  console.log(
    `${"(a) js-yaml loadAll floor".padEnd(44)} ${f.ms.toFixed(0).padStart(6)} ms wall ${f.cpuMs.toFixed(0).padStart(6)} ms CPU`,
  );

  const cases = [];
  const empty = path.join(work, "empty.db");
  cases.push(["(b) roster plan, empty backend", empty, 2]);
  const full = path.join(work, "full.db");
  await fullBackend(full);
  cases.push([`(c) roster plan, ${MEMBERS.toLocaleString("en")} held, 1% changed`, full, 2]);

  let ok = true;
  for (const [label, db, expected] of cases) {
    const r = await run(["plan", "--source", dir, "--backend", `sqlite:${db}`], work);
    if (r.code !== expected) {
      console.error(`${label}: exit ${r.code}, expected ${expected}\n${r.stderr}`);
      ok = false;
      continue;
    }
    // Wall time is what a user waits for; CPU time is what a busy machine distorts least.
    const wallRatio = r.ms / f.ms;
    const cpuRatio = r.cpuMs / f.cpuMs;
    const pass = wallRatio <= 3 && r.rssMb < 500;
    ok &&= pass;
    console.log(
      `${label.padEnd(44)} ${r.ms.toFixed(0).padStart(6)} ms wall ${r.cpuMs.toFixed(0).padStart(6)} ms CPU  ` +
        `${wallRatio.toFixed(2)}× / ${cpuRatio.toFixed(2)}× floor  peak RSS ${r.rssMb.toFixed(0)} MB  ${pass ? "ok" : "OVER TARGET"}`,
    );
  }
  console.log("targets: ≤ 3× floor, < 500 MB");
  process.exitCode = ok ? 0 : 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
