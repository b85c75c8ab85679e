import Database from "better-sqlite3";
import { spawn } from "node:child_process";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import type { Role } from "../../controller/model/index.js";
import { CLI, cleanEnv, E2E_TIMEOUT_MS, Workspace } from "../e2e-apply/harness.js";

const MEMBERS = Number(process.env.ROSTER_KILL_MEMBERS ?? 2000);

/** Reads the file the killed process wrote, with a connection of its own (as an auditor would). */
function count(file: string, sql: string): number {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare(sql).get() as { n: number }).n;
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

interface Outcome {
  seq: number;
  action: string;
  email: string | null;
  result: string;
  intent_seq: number | null;
  not_before: string | null;
  time: string;
}

/**
 * The adversary's repro: `roster apply` of a large organization, SIGKILLed once N invitations
 * exist (N drawn by fast-check; the seed is printed on failure), then run again. Every write the
 * store committed (its audit events) has exactly one journal outcome that took effect, no intent
 * stays open, the chain verifies, and the next plan is empty.
 */
describe("roster apply killed with SIGKILL: the journal loses no committed write", () => {
  let ws: Workspace | undefined;
  afterEach(() => ws?.cleanup());

  it(
    "every audit event has one journal outcome after the re-run",
    { timeout: E2E_TIMEOUT_MS * 2 },
    async () => {
      const seed = Number(process.env.ROSTER_MBT_SEED ?? Math.floor(Math.random() * 2 ** 31));
      const runs = Number(process.env.ROSTER_MBT_RUNS ?? 3);
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: MEMBERS - 50 }),
          fc.integer({ min: 1, max: 8 }),
          async (killAt, concurrency) => {
            ws?.cleanup();
            ws = new Workspace();
            await killedThenRerun(ws, killAt, concurrency);
          },
        ),
        { seed, numRuns: runs, endOnFailure: true },
      );
    },
  );
});

async function killedThenRerun(ws: Workspace, killAt: number, concurrency: number): Promise<void> {
  const members: Record<string, Role> = { "owner@big.io": "owner" };
  for (let i = 0; i < MEMBERS; i++) members[`u${String(i).padStart(5, "0")}@big.io`] = "member";
  ws.declareOrg("big", members, { maxRemovals: 0 });
  const args = ["apply", "--source", ws.src, "--backend", ws.backend, "--yes"];
  const child = spawn(process.execPath, [CLI, ...args, "--concurrency", String(concurrency)], {
    cwd: ws.dir,
    env: cleanEnv(),
    stdio: "ignore",
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on("exit", (_code, signal) => resolve(signal)),
  );
  await waitFor(
    () =>
      count(ws.db, "SELECT count(*) AS n FROM invitations") >= killAt || child.exitCode !== null,
    120_000,
  );
  child.kill("SIGKILL");
  const context = `killed after ${killAt} invitations, concurrency ${concurrency}`;
  expect(await exited, `${context}: the apply finished before the kill`).toBe("SIGKILL");
  const openAtKill = count(ws.db, "SELECT count(*) AS n FROM controller_open_intents");
  if (process.env.ROSTER_MBT_TRACE)
    process.stdout.write(`${context}: ${openAtKill} open intents\n`);

  const rerun = await ws.apply();
  expect(rerun.code, `${context}: ${rerun.stderr}`).toBe(0);

  // The store's own record of what was committed, as an auditor reads it.
  const events = ws.query<{ action: string; target: string }>(
    `SELECT action, target FROM audit_events WHERE action IN ('createOrganization', 'invite') ORDER BY id`,
  );
  const outcomes = ws.query<Outcome>(
    `SELECT seq, action, email, result, intent_seq, not_before, time FROM controller_journal
     WHERE kind = 'outcome' ORDER BY seq`,
  );
  const tookEffect = outcomes.filter((o) => o.result !== "failed");
  const key = (action: string, email: string | null) => `${action} ${email ?? ""}`;
  const eventKeys = events.map((e) =>
    key(e.action, e.action === "createOrganization" ? "owner@big.io" : e.target),
  );
  const outcomeKeys = tookEffect.map((o) => key(o.action, o.email));
  expect(new Set(eventKeys).size, `${context}: an audit event twice`).toBe(eventKeys.length);
  expect(new Set(outcomeKeys).size, `${context}: a duplicate outcome`).toBe(outcomeKeys.length);
  expect([...outcomeKeys].sort(), context).toEqual([...eventKeys].sort());
  expect(eventKeys).toHaveLength(MEMBERS + 1);

  // Every intent closed exactly once; the recovered ones carry honest bounds.
  expect(count(ws.db, "SELECT count(*) AS n FROM controller_open_intents")).toBe(0);
  const intents = ws.query<{ seq: number; time: string }>(
    "SELECT seq, time FROM controller_journal WHERE kind = 'intent'",
  );
  const closing = new Map(outcomes.map((o) => [o.intent_seq, o]));
  for (const intent of intents) expect(closing.has(intent.seq), context).toBe(true);
  expect(outcomes.every((o) => o.intent_seq !== null)).toBe(true);
  const recovered = outcomes.filter((o) => o.not_before !== null);
  expect(recovered, context).toHaveLength(openAtKill);
  for (const o of recovered) {
    const intent = intents.find((i) => i.seq === o.intent_seq)!;
    expect(o.not_before).toBe(intent.time);
    expect(Date.parse(o.time)).toBeGreaterThanOrEqual(Date.parse(intent.time));
  }

  const verify = await ws.roster(["journal", "verify", "--backend", ws.backend]);
  expect(verify.code, `${context}: ${verify.stderr}`).toBe(0);
  expect(verify.stdout).toContain(`journal intact: ${outcomes.length + intents.length} entries`);
  const plan = await ws.plan();
  expect(plan.code, context).toBe(0);
}
