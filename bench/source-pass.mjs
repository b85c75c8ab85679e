#!/usr/bin/env node
// What reconciling organization by organization costs `roster run` on a folder source (issue 14):
// a no-op resync of ORGS organizations × MEMBERS members in the embedded store, as one
// reconcile() over every organization (the baseline: the loop before the per-org core) and as
// the SourceController's source pass (load once, then one reconcile per organization through the
// work queue), at --max-concurrent-orgs 1 and 4. Interleaved rounds, medians.
// Usage: npm run build && node bench/source-pass.mjs [--orgs 200] [--members 50] [--rounds 5]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { reconcile, SourceController } = await import(
  path.join(root, "dist/controller/reconcile/index.js")
);
const { openBackend } = await import(path.join(root, "dist/controller/cli/backend-uri.js"));
const { openSource } = await import(path.join(root, "dist/controller/cli/source-uri.js"));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const ORGS = arg("orgs", 200);
const MEMBERS = arg("members", 50);
const ROUNDS = arg("rounds", 5);

function writeSource(dir) {
  mkdirSync(dir, { recursive: true });
  for (let o = 0; o < ORGS; o++) {
    const org = `org-${o}`;
    const docs = [
      `apiVersion: roster.workjet.io/v1alpha1\nkind: Organization\nmetadata: { name: ${org} }\nspec: { domains: [${org}.example] }`,
      `apiVersion: roster.workjet.io/v1alpha1\nkind: Member\nmetadata: { name: ${org}-owner }\nspec: { organization: ${org}, email: owner@${org}.example, role: owner }`,
    ];
    for (let m = 0; m < MEMBERS; m++) {
      docs.push(
        `apiVersion: roster.workjet.io/v1alpha1\nkind: Member\nmetadata: { name: ${org}-m${m} }\nspec: { organization: ${org}, email: m${m}@${org}.example, role: member }`,
      );
    }
    writeFileSync(path.join(dir, `${org}.yaml`), docs.join("\n---\n") + "\n");
  }
}

const options = { dryRun: false, retry: { sleep: () => Promise.resolve(), random: () => 0 } };

async function wholePass(deps) {
  const started = performance.now();
  const result = await reconcile(deps, options);
  const steps = result.orgs.reduce((n, o) => n + (o.plan?.steps.length ?? 0), 0);
  return { ms: performance.now() - started, orgs: result.orgs.length, steps };
}

async function perOrgPass(deps, maxConcurrentOrgs) {
  let orgs = 0;
  let steps = 0;
  const controller = new SourceController({
    deps,
    intervalMs: 3_600_000,
    maxConcurrentOrgs,
    reconcileOptions: () => options,
    onOrg: ({ result }) => {
      orgs++;
      steps += result.orgs[0]?.plan?.steps.length ?? 0;
    },
  });
  const started = performance.now();
  controller.start();
  // The start pass queues every org; idle once each has been reconciled.
  while (orgs < ORGS) await controller.whenIdle().then(() => new Promise(setImmediate));
  const ms = performance.now() - started;
  await controller.stop();
  return { ms, orgs, steps };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const work = mkdtempSync(path.join(tmpdir(), "roster-bench-source-pass-"));
try {
  const src = path.join(work, "src");
  writeSource(src);
  const opened = await openBackend(`sqlite:${path.join(work, "portal.db")}`, { create: true });
  const deps = { source: openSource(src), backend: opened.backend, state: opened.state };
  const first = await wholePass(deps);
  if (first.orgs !== ORGS)
    throw new Error(`the generated source is not valid: ${JSON.stringify(first)}`);
  console.log(
    `${ORGS} orgs × ${MEMBERS + 1} members: first apply ${first.ms.toFixed(0)} ms, ${first.steps} steps`,
  );
  const times = { whole: [], perOrg1: [], perOrg4: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const whole = await wholePass(deps);
    const one = await perOrgPass(deps, 1);
    const four = await perOrgPass(deps, 4);
    for (const run of [whole, one, four]) {
      if (run.steps !== 0 || run.orgs !== ORGS)
        throw new Error(`not a no-op resync: ${JSON.stringify(run)}`);
    }
    times.whole.push(whole.ms);
    times.perOrg1.push(one.ms);
    times.perOrg4.push(four.ms);
  }
  await opened.close();
  const base = median(times.whole);
  console.log(`no-op resync, median of ${ROUNDS} (load average ${loadavg()[0].toFixed(1)}):`);
  console.log(`  baseline: one reconcile() over every org   ${base.toFixed(0)} ms`);
  for (const [label, key] of [
    ["per-org core, --max-concurrent-orgs 1", "perOrg1"],
    ["per-org core, --max-concurrent-orgs 4", "perOrg4"],
  ]) {
    const ms = median(times[key]);
    console.log(`  ${label}  ${ms.toFixed(0)} ms = ${(ms / base).toFixed(2)}×`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
