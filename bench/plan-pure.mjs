// Pure planner benchmark: plan() over 100,000 declared members against
//  (a) an empty backend (the org does not exist yet), and
//  (b) a backend holding 100,000 members with 1% changed (roles, removals, newcomers).
// Prints the median of several runs, the heap in use, and the ratio to a baseline measured in
// the same run: indexing both sides in Maps by email, what a hash-join diff pays before deciding
// anything (plan() merge-joins the sorted sides instead).
// Target: (b) < 200 ms. Run after a build:
//   npx tsc -p tsconfig.build.json && node --expose-gc bench/plan-pure.mjs
// The CPU time is printed too: on a shared, loaded machine it is the steadier figure.
import { performance } from "node:perf_hooks";
import { plan } from "../dist/controller/plan/index.js";
import {
  FULL_CAPABILITIES,
  defaultOrgPolicy,
  defaultOrgSettings,
} from "../dist/controller/model/index.js";

const N = Number(process.env.BENCH_MEMBERS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const ORG = "acme";

const email = (i) => `user${String(i).padStart(7, "0")}@acme.com`;
const roleOf = (i) => (i === 0 ? "owner" : i % 10 === 0 ? "admin" : "member");

function desiredState(members) {
  return {
    revision: "bench",
    organizations: [
      {
        name: ORG,
        settings: { ...defaultOrgSettings(ORG), domains: ["acme.com"] },
        policy: defaultOrgPolicy(),
        members,
      },
    ],
  };
}

function observed(actual, managed) {
  return {
    organizations: new Map([[ORG, { actual, managed, capabilities: FULL_CAPABILITIES }]]),
    undeclared: [],
  };
}

// (a) 100,000 declared, nothing in the backend.
const declaredA = Array.from({ length: N }, (_, i) => ({
  name: `u${i}`,
  email: email(i),
  role: roleOf(i),
}));

// (b) 1% changed: 0.4% role changes, 0.3% removed from the source, 0.3% newcomers.
const changed = Math.floor(N / 100);
const roleChanges = Math.floor(changed * 0.4);
const removed = Math.floor(changed * 0.3);
const added = changed - roleChanges - removed;
const since = "2025-01-01T00:00:00.000Z";
const actualMembers = Array.from({ length: N }, (_, i) => ({
  email: email(i),
  role: roleOf(i),
  since,
}));
const declaredB = [];
for (let i = 0; i < N; i++) {
  if (i >= N - removed) continue; // the last `removed` members are taken out of the source
  let role = roleOf(i);
  if (i > 0 && i <= roleChanges) role = role === "admin" ? "member" : "admin";
  declaredB.push({ name: `u${i}`, email: email(i), role });
}
for (let i = N; i < N + added; i++)
  declaredB.push({ name: `u${i}`, email: email(i), role: "member" });
const actualB = {
  name: ORG,
  settings: { ...defaultOrgSettings(ORG), domains: ["acme.com"] },
  members: actualMembers,
  invitations: [],
};
const managedB = new Set(actualMembers.map((m) => m.email));

const cases = [
  {
    name: "(a) 100k declared vs empty backend",
    desired: desiredState(declaredA),
    observed: observed(null, new Set()),
  },
  {
    name: "(b) 100k declared vs 100k actual, 1% changed",
    desired: desiredState(declaredB),
    observed: observed(actualB, managedB),
  },
];

function baseline(c) {
  // Indexing both sides once by email in Maps: the first thing a hash-join diff does.
  const d = new Map();
  for (const m of c.desired.organizations[0].members) d.set(m.email, m);
  const a = new Map();
  for (const m of c.observed.organizations.get(ORG).actual?.members ?? []) a.set(m.email, m);
  return d.size + a.size;
}

function median(xs) {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}

// Wall time, and the process's CPU time (user + system): on a shared, loaded machine the CPU
// time is the steadier figure of what plan() itself costs.
function time(fn) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = fn();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  return [wall, result, (cpu.user + cpu.system) / 1000];
}

const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);
console.log(
  `plan() pure benchmark — ${N.toLocaleString("en")} members, median of ${RUNS} runs (Node ${process.version})`,
);
for (const c of cases) {
  for (let i = 0; i < 2; i++) plan(c.desired, c.observed, { maxRemovalsOverride: N }); // warm-up
  const times = [];
  const cpus = [];
  const bases = [];
  let last;
  for (let i = 0; i < RUNS; i++) {
    const [bt] = time(() => baseline(c));
    bases.push(bt);
    const [t, p, cpu] = time(() => plan(c.desired, c.observed, { maxRemovalsOverride: N }));
    times.push(t);
    cpus.push(cpu);
    last = p;
  }
  // What one plan retains, and the heap with the inputs and that plan alive (needs --expose-gc).
  last = undefined;
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  last = plan(c.desired, c.observed, { maxRemovalsOverride: N });
  globalThis.gc?.();
  const heapAfter = process.memoryUsage().heapUsed;
  const counts = {};
  for (const s of last.steps) counts[s.action] = (counts[s.action] ?? 0) + 1;
  const ms = median(times);
  const base = median(bases);
  console.log(
    `${c.name}: ${ms.toFixed(1)} ms wall (min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)}), ` +
      `${median(cpus).toFixed(1)} ms CPU; ` +
      `baseline (Map-index both sides) ${base.toFixed(1)} ms, ratio ${(ms / base).toFixed(1)}×; ` +
      `heap used ${mb(heapAfter)} MB with inputs and plan, the plan retaining ${mb(heapAfter - heapBefore)} MB` +
      `${globalThis.gc ? "" : " (run with --expose-gc for exact heap figures)"}; ` +
      `steps ${JSON.stringify(counts)}; safe=${last.safety.safe}`,
  );
}
