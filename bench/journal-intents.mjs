#!/usr/bin/env node
// The cost of the write-ahead journal: an apply of 1,000 invitations into the embedded SQLite
// store, in-process through the real reconcile pass, with intents (as shipped) and without them
// (a ControllerState that drops intents: the executor as it was before), alternating runs in
// fresh files, medians. Both write the store, its audit events and the outcomes the same way.
// Usage: npm run build && node bench/journal-intents.mjs [--invites 1000] [--runs 5] [--concurrency 8]
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    invites: { type: "string", default: "1000" },
    runs: { type: "string", default: "5" },
    concurrency: { type: "string", default: "8" },
  },
});
const INVITES = Number(values.invites);
const RUNS = Number(values.runs);
const CONCURRENCY = Number(values.concurrency);
const dist = (p) => import(new URL(`../dist/controller/${p}`, import.meta.url).href);
const { openSqlite } = await dist("adapters/backends/sqlite/open.js");
const { reconcile } = await dist("reconcile/index.js");

const doc = (kind, name, spec) =>
  `apiVersion: roster.workjet.io/v1alpha1\nkind: ${kind}\nmetadata: { name: ${name} }\nspec: ${spec}\n`;
const docs = [
  doc("Organization", "bench", "{ displayName: Bench, domains: [bench.io] }"),
  doc("Member", "owner", "{ organization: bench, email: owner@bench.io, role: owner }"),
];
for (let i = 0; i < INVITES; i++) {
  docs.push(doc("Member", `u${i}`, `{ organization: bench, email: u${i}@bench.io, role: member }`));
}
const source = {
  describe: "bench",
  read: () =>
    Promise.resolve({
      revision: "bench",
      files: [{ path: "bench.yaml", text: docs.join("---\n") }],
      oversized: [],
    }),
};

/** The executor before write-ahead journaling: no intent is written, outcomes name none. */
function withoutIntents(state) {
  let seq = 0;
  return new Proxy(state, {
    get(target, prop) {
      if (prop === "appendIntent")
        return (i) => Promise.resolve({ ...i, kind: "intent", seq: --seq, prevHash: "", hash: "" });
      if (prop === "appendJournal")
        return ({ intent: _intent, ...entry }) => target.appendJournal(entry);
      const value = target[prop];
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function once(intents) {
  const dir = mkdtempSync(path.join(tmpdir(), "roster-bench-journal-"));
  try {
    const opened = openSqlite(path.join(dir, "portal.db"));
    const state = intents ? opened.state : withoutIntents(opened.state);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const result = await reconcile(
      { source, backend: opened.backend, state },
      { dryRun: false, concurrency: CONCURRENCY },
    );
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const applied = result.orgs[0].results.filter((r) => r.result === "applied").length;
    if (applied !== INVITES + 1) throw new Error(`applied ${applied}, expected ${INVITES + 1}`);
    const rows = opened.state.db.prepare("SELECT count(*) AS n FROM controller_journal").get().n;
    await opened.close();
    return { wall, cpu: (cpu.user + cpu.system) / 1000, rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
await once(true); // warm-up: module loading, JIT
const before = [];
const after = [];
for (let i = 0; i < RUNS; i++) {
  before.push(await once(false));
  after.push(await once(true));
}
const report = (label, runs) =>
  `${label}: wall ${median(runs.map((r) => r.wall)).toFixed(0)} ms, CPU ${median(runs.map((r) => r.cpu)).toFixed(0)} ms, ${runs[0].rows} journal rows`;
console.log(
  `${INVITES} invitations + createOrganization, concurrency ${CONCURRENCY}, ${RUNS} runs each, load average ${loadavg()[0].toFixed(1)}`,
);
console.log(report("before (outcomes only)     ", before));
console.log(report("after  (intent + outcome)  ", after));
const ratio = (f) => (median(after.map(f)) / median(before.map(f))).toFixed(2);
console.log(`ratio after/before: wall ${ratio((r) => r.wall)}×, CPU ${ratio((r) => r.cpu)}×`);
