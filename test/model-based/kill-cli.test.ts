import Database from "better-sqlite3";
import { spawn } from "node:child_process";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PortalStore } from "../../controller/adapters/backends/sqlite/store.js";
import type { Role } from "../../controller/model/index.js";
import { CLI, env, roster } from "../http/server-process.js";
import { renderOrg } from "./model.js";
import { scratchRoot } from "./targets.js";

const MEMBERS = 120;
const PORTAL = { kind: "system", name: "portal-user" } as const;

/** Rows the killed process had journaled (read by another connection, as an operator would). */
function journalRows(file: string): number {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare("SELECT count(*) AS n FROM controller_journal").get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0; // not created or not migrated yet
  }
}

async function waitFor(condition: () => boolean, deadlineMs: number): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error("condition not met before the deadline");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * The real kill -9: `roster apply` as a user runs it, killed after it journaled N rows (N drawn by
 * fast-check), then someone edits the Portal, then `apply` again. The re-run converges: every
 * declared member invited once, the Portal's drift repaired, the next plan empty, the journal's
 * hash chain intact.
 */
describe("roster apply killed with SIGKILL at a random write", () => {
  it(
    "the next apply converges with no duplicate and nothing lost",
    { timeout: 120_000 },
    async () => {
      const seed = Number(process.env.ROSTER_MBT_SEED ?? Math.floor(Math.random() * 2 ** 31));
      const runs = Number(process.env.ROSTER_MBT_RUNS ?? 3);
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: MEMBERS - 10 }),
          fc.nat({ max: MEMBERS - 1 }),
          async (killAfter, cancelled) => {
            const dir = await mkdtemp(path.join(scratchRoot(), "roster-kill-"));
            try {
              await killedThenRerun(dir, killAfter, cancelled);
            } finally {
              await rm(dir, { recursive: true, force: true });
            }
          },
        ),
        { seed, numRuns: runs, endOnFailure: true },
      );
    },
  );
});

async function killedThenRerun(dir: string, killAfter: number, cancelled: number): Promise<void> {
  const src = path.join(dir, "src");
  const db = path.join(dir, "portal.db");
  await mkdir(src);
  const members: Record<string, Role> = { "owner@big.io": "owner" };
  const emails = Array.from({ length: MEMBERS }, (_, i) => `u${String(i).padStart(3, "0")}@big.io`);
  for (const email of emails) members[email] = "member";
  await writeFile(
    path.join(src, "big.yaml"),
    renderOrg({ name: "big", displayName: "Big", members }),
  );
  const args = ["apply", "--source", src, "--backend", `sqlite:${db}`, "--yes"];

  const child = spawn(process.execPath, [CLI, ...args, "--concurrency", "2"], {
    cwd: dir,
    env: env(),
    stdio: "ignore",
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on("exit", (_code, signal) => resolve(signal)),
  );
  await waitFor(() => journalRows(db) >= killAfter || child.exitCode !== null, 60_000);
  child.kill("SIGKILL");
  const signal = await exited;
  const atKill = journalRows(db);
  expect(signal, "the apply was killed, it did not finish first").toBe("SIGKILL");
  if (process.env.ROSTER_MBT_TRACE)
    process.stdout.write(`killed after ${atKill} rows (${killAfter})\n`);

  // The Portal moves on while Roster is down: an invitation is cancelled.
  const store = PortalStore.open(db, { create: false });
  try {
    const pending = store.snapshot("big")?.invitations.map((i) => i.email) ?? [];
    const victim = pending[cancelled % Math.max(1, pending.length)];
    if (victim) store.cancelInvite(PORTAL, "big", victim);

    const rerun = await roster(args, dir);
    // A re-run longer than a second on a loaded machine prints its progress line; nothing else.
    const complaints = rerun.stderr.split("\n").filter((l) => l && !/^applied \d+\/\d+$/.test(l));
    expect(complaints, `killed by ${signal} after ${atKill} rows`).toEqual([]);
    expect(rerun.code).toBe(0);
    const snap = store.snapshot("big")!;
    expect(snap.members.map((m) => `${m.email} ${m.role}`)).toEqual(["owner@big.io owner"]);
    expect(snap.invitations.map((i) => i.email).sort()).toEqual(emails);
    expect(new Set(snap.invitations.map((i) => i.email)).size).toBe(MEMBERS);

    const plan = await roster(["plan", ...args.slice(1, 5), "-o", "json"], dir);
    expect(plan.code).toBe(0);
    expect((JSON.parse(plan.stdout) as { steps: unknown[] }).steps).toEqual([]);
    const verify = await roster(["journal", "verify", "--backend", `sqlite:${db}`], dir);
    expect(verify.code, verify.stderr).toBe(0);
  } finally {
    store.close();
  }
}
