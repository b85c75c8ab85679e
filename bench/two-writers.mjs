#!/usr/bin/env node
// The cost of conflicts: 1,000 changes (invitations) applied by one `roster apply`, then by two
// `roster apply` processes started at the same instant on the same store, as an operator's apply
// beside the running controller. Counts what the store holds afterwards: each change must be
// applied exactly once (one pending invitation and one audit event per email).
// Usage: npm run build && node bench/two-writers.mjs [--changes 1000]
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cli = path.join(root, "dist/controller/cli/main.js");
const { default: Database } = await import("better-sqlite3");
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const CHANGES = arg("changes", 1000);
const ORG = "bench";

function writeSource(dir, members) {
  mkdirSync(dir, { recursive: true });
  const docs = [
    `apiVersion: roster.workjet.io/v1alpha1\nkind: Organization\nmetadata: { name: ${ORG} }\nspec: { displayName: Bench, domains: [bench.example] }`,
    `apiVersion: roster.workjet.io/v1alpha1\nkind: Member\nmetadata: { name: owner }\nspec: { organization: ${ORG}, email: owner@bench.example, role: owner }`,
  ];
  for (let i = 0; i < members; i++) {
    docs.push(
      `apiVersion: roster.workjet.io/v1alpha1\nkind: Member\nmetadata: { name: m${i} }\nspec: { organization: ${ORG}, email: m${i}@bench.example, role: member }`,
    );
  }
  writeFileSync(path.join(dir, "org.yaml"), docs.join("\n---\n") + "\n");
}

function apply(cwd, source, store) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(
      process.execPath,
      [cli, "apply", "--source", source, "--backend", `sqlite:${store}`, "--yes"],
      { cwd, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => {
      resolve({ code, ms: Number(process.hrtime.bigint() - started) / 1e6, out });
    });
  });
}

function census(store) {
  const db = new Database(store, { readonly: true });
  const pending = db
    .prepare(
      "SELECT count(*) AS n, count(DISTINCT email) AS emails FROM invitations WHERE status = 'pending'",
    )
    .get();
  const audited = db
    .prepare(
      "SELECT count(*) AS n FROM audit_events WHERE action IN ('invite', 'createInvitation')",
    )
    .get();
  const journal = db
    .prepare(
      "SELECT count(*) AS n FROM controller_journal WHERE action = 'invite' AND result = 'applied'",
    )
    .get();
  db.close();
  return { pending: pending.n, emails: pending.emails, audited: audited.n, journaled: journal.n };
}

const work = mkdtempSync(path.join(tmpdir(), "roster-bench-two-writers-"));
try {
  const ownerOnly = path.join(work, "owner-only");
  const full = path.join(work, "full");
  writeSource(ownerOnly, 0);
  writeSource(full, CHANGES);
  const seed = path.join(work, "seed.db");
  const first = await apply(work, ownerOnly, seed);
  if (first.code !== 0) throw new Error(`seeding failed:\n${first.out}`);

  const one = path.join(work, "one.db");
  copyFileSync(seed, one);
  const single = await apply(work, full, one);
  const singleCounts = census(one);

  const two = path.join(work, "two.db");
  copyFileSync(seed, two);
  const started = process.hrtime.bigint();
  const [a, b] = await Promise.all([apply(work, full, two), apply(work, full, two)]);
  const bothMs = Number(process.hrtime.bigint() - started) / 1e6;
  const twoCounts = census(two);

  console.log(`machine: ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)}`);
  console.log(`${CHANGES} invitations to a fresh organization's store (SQLite, outbox mailer)`);
  console.log(
    `one writer (baseline):  ${single.ms.toFixed(0)} ms, exit ${single.code}; pending ${singleCounts.pending}, audit events ${singleCounts.audited}, journal applied ${singleCounts.journaled}`,
  );
  console.log(
    `two writers at once:    ${bothMs.toFixed(0)} ms = ${(bothMs / single.ms).toFixed(2)}× (a ${a.ms.toFixed(0)} ms exit ${a.code}, b ${b.ms.toFixed(0)} ms exit ${b.code})`,
  );
  console.log(
    `  store afterwards:     pending ${twoCounts.pending} for ${twoCounts.emails} emails, audit events ${twoCounts.audited}, journal applied ${twoCounts.journaled} (a+b)`,
  );
  const once =
    twoCounts.pending === CHANGES &&
    twoCounts.emails === CHANGES &&
    twoCounts.journaled === CHANGES;
  console.log(
    once ? "each change applied exactly once: yes" : "each change applied exactly once: NO",
  );
  if (!once || a.code !== 0 || b.code !== 0) {
    console.log(a.out.slice(-2000));
    console.log(b.out.slice(-2000));
    process.exitCode = 1;
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
