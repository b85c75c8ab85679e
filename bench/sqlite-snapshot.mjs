// Bench: the embedded Portal store at 100,000 members.
//   npm run build && node bench/sqlite-snapshot.mjs [members=100000] [writes=1000]
// Prints: bulk insert time, snapshot() time (vs. a raw SELECT of the same rows, the floor),
// and 1,000 single writes through SqliteBackend (vs. raw one-statement transactions).
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { SqliteBackend } from "../dist/controller/adapters/backends/sqlite/backend.js";
import { PortalStore } from "../dist/controller/adapters/backends/sqlite/store.js";

const MEMBERS = Number(process.argv[2] ?? 100_000);
const WRITES = Number(process.argv[3] ?? 1_000);
const RUNS = 5;
const SYSTEM = { kind: "system", name: "bench" };
const settings = {
  displayName: "Bench",
  domains: ["bench.io"],
  autoProvisioning: { enabled: false, role: "member" },
  inviteExpirySeconds: 7 * 86400,
};

const dir = mkdtempSync(path.join(os.tmpdir(), "roster-bench-sqlite-"));
const file = path.join(dir, "portal.db");
const ms = (t0) => performance.now() - t0;
const fmt = (n) => `${n.toFixed(1)} ms`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const email = (i) => `user${String(i).padStart(6, "0")}@bench.io`;

try {
  const store = PortalStore.open(file);
  store.createOrganization(SYSTEM, "bench", settings, email(0));

  // 1. Bulk insert in one transaction, through a second connection (as an import would).
  let t0 = performance.now();
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  const addUser = db.prepare("INSERT INTO users (email, created_at) VALUES (?, ?)");
  const addMember = db.prepare(
    "INSERT INTO memberships (org_id, email, role, since) VALUES (1, ?, ?, ?)",
  );
  const since = new Date().toISOString();
  db.transaction(() => {
    for (let i = 1; i < MEMBERS; i++) {
      addUser.run(email(i), since);
      addMember.run(email(i), i % 50 === 0 ? "admin" : "member", since);
    }
  })();
  const insertMs = ms(t0);

  // 2. snapshot() against the floor: the same two queries, raw, without building objects.
  const snapshotTimes = [];
  const floorTimes = [];
  let members = 0;
  const floor = db.prepare(
    "SELECT email, role, since, auto_provisioned FROM memberships WHERE org_id = 1 ORDER BY email",
  );
  floor.raw(true);
  for (let run = 0; run < RUNS; run++) {
    t0 = performance.now();
    floor.all();
    floorTimes.push(ms(t0));
    t0 = performance.now();
    members = store.snapshot("bench").members.length;
    snapshotTimes.push(ms(t0));
  }
  const rssMb = process.memoryUsage().rss / 1024 / 1024;

  // 2b. The same members page by page (200 each), as `roster serve` hands them out.
  t0 = performance.now();
  let pages = 0;
  let cursor;
  do {
    const page = store.listMembers(SYSTEM, "bench", { limit: 200, ...(cursor ? { cursor } : {}) });
    cursor = page.nextCursor;
    pages++;
  } while (cursor);
  const pagedMs = ms(t0);

  // 3. Single writes through the backend (each its own transaction, idempotency key, audit event)
  //    against raw one-UPDATE transactions on the same file.
  const backend = new SqliteBackend(store, { describe: "bench", ownsStore: false });
  const ctx = (i) => ({
    revision: "bench",
    reason: "bench",
    actor: "bench",
    idempotencyKey: `w${i}`,
  });
  t0 = performance.now();
  for (let i = 1; i <= WRITES; i++) {
    await backend.changeRole("bench", email(i * 3 + 1), "member", "admin", ctx(i));
  }
  const writesMs = ms(t0);
  t0 = performance.now();
  for (let i = 1; i <= WRITES; i++) {
    await backend.invite("bench", `new${i}@bench.io`, "member", ctx(`i${i}`));
  }
  const invitesMs = ms(t0);
  const rawUpdate = db.prepare("UPDATE memberships SET since = ? WHERE org_id = 1 AND email = ?");
  const rawTx = db.transaction((i) => rawUpdate.run(since, email(i * 3 + 2)));
  t0 = performance.now();
  for (let i = 1; i <= WRITES; i++) rawTx(i);
  const rawWritesMs = ms(t0);
  db.close();
  store.close();

  const snap = median(snapshotTimes);
  const base = median(floorTimes);
  console.log(`sqlite snapshot bench (${members.toLocaleString("en")} members, median of ${RUNS})`);
  console.log(`  bulk insert (1 transaction):   ${fmt(insertMs)}`);
  console.log(
    `  snapshot():                    ${fmt(snap)}  (runs: ${snapshotTimes.map((t) => t.toFixed(0)).join(", ")})`,
  );
  console.log(
    `  raw SELECT floor:              ${fmt(base)}  → snapshot is ${(snap / base).toFixed(2)}× the floor`,
  );
  console.log(
    `  listMembers, ${pages} pages of 200: ${fmt(pagedMs)}  (${(pagedMs / pages).toFixed(2)} ms/page)`,
  );
  console.log(`  RSS after snapshots:           ${rssMb.toFixed(0)} MB`);
  console.log(
    `  ${WRITES} changeRole via backend:   ${fmt(writesMs)}  (${(writesMs / WRITES).toFixed(3)} ms/write)`,
  );
  console.log(
    `  ${WRITES} invite via backend:       ${fmt(invitesMs)}  (${(invitesMs / WRITES).toFixed(3)} ms/write)`,
  );
  console.log(
    `  ${WRITES} raw 1-UPDATE transactions: ${fmt(rawWritesMs)}  → backend writes are ${(writesMs / rawWritesMs).toFixed(1)}× raw`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
