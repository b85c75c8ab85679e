// Bench: what the invitation outbox costs per invite, and how fast the dispatcher drains it.
//   npm run build && node bench/mail-outbox.mjs [invites=1000]
// Prints, in one run: invites with no mailer (the invitation and its job commit, nothing sent)
// vs. a cancel of each (the baseline: one audited write of the same shape without a job),
// invites with the outbox mailer (commit + .eml written at once), and a drain of the queue
// left by the first store (one .eml file per job).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { PortalStore } from "../dist/controller/adapters/backends/sqlite/store.js";
import { OutboxMailer } from "../dist/controller/adapters/mail/index.js";

const INVITES = Number(process.argv[2] ?? 1_000);
const SYSTEM = { kind: "system", name: "bench" };
const settings = (name) => ({
  displayName: name,
  domains: ["bench.io"],
  autoProvisioning: { enabled: false, role: "member" },
  inviteExpirySeconds: 7 * 86400,
});
const dir = mkdtempSync(path.join(os.tmpdir(), "roster-bench-outbox-"));
const email = (i) => `user${String(i).padStart(6, "0")}@bench.io`;
const per = (ms) => `${((ms * 1000) / INVITES).toFixed(0)} µs/invite`;

async function timed(body) {
  const t0 = performance.now();
  await body();
  return performance.now() - t0;
}

try {
  const file = path.join(dir, "portal.db");
  const queued = PortalStore.open(file);
  queued.createOrganization(SYSTEM, "queued", settings("Queued"), "owner@bench.io");
  const invite = await timed(async () => {
    for (let i = 0; i < INVITES; i++) await queued.invite(SYSTEM, "queued", email(i), "member");
  });
  const cancel = await timed(async () => {
    for (let i = 0; i < INVITES; i++) queued.cancelInvite(SYSTEM, "queued", email(i));
  });
  queued.createOrganization(SYSTEM, "waiting", settings("Waiting"), "owner@bench.io");
  for (let i = 0; i < INVITES; i++) await queued.invite(SYSTEM, "waiting", email(i), "member");
  queued.close();

  const outbox = new OutboxMailer({ dir: path.join(dir, "outbox") });
  const sending = PortalStore.open(file, { mailer: outbox });
  const drain = await timed(() => sending.mail.drain({ waitMs: 0 }));
  sending.createOrganization(SYSTEM, "sent", settings("Sent"), "owner@bench.io");
  const inviteAndSend = await timed(async () => {
    for (let i = 0; i < INVITES; i++) await sending.invite(SYSTEM, "sent", email(i), "member");
  });
  sending.close();

  console.log(`${INVITES} invitations, one at a time, one SQLite file`);
  console.log(`  cancel (baseline: an audited write, no job)   ${per(cancel)}`);
  console.log(
    `  invite + its mail job, nothing sent           ${per(invite)}  (${(invite / cancel).toFixed(2)}× the baseline)`,
  );
  console.log(`  invite + job + .eml written right away        ${per(inviteAndSend)}`);
  console.log(`  drain of ${INVITES} queued jobs to .eml files      ${per(drain)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
