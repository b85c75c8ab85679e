import Database from "better-sqlite3";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { Role } from "../../controller/model/index.js";
import { CLI, cleanEnv, E2E_TIMEOUT_MS, Workspace } from "./harness.js";

const MEMBERS = 3000;

function pendingInvitations(file: string): number {
  if (!existsSync(file)) return 0;
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare("SELECT count(*) AS n FROM invitations").get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0; // not migrated yet
  }
}

describe("an apply killed mid-way", { timeout: E2E_TIMEOUT_MS }, () => {
  let ws: Workspace;
  afterEach(() => ws.cleanup());

  it("converges on the next run, with no duplicate invitation", async () => {
    ws = new Workspace();
    const members: Record<string, Role> = { "owner@big.io": "owner" };
    for (let i = 0; i < MEMBERS; i++)
      members[`user${String(i).padStart(5, "0")}@big.io`] = "member";
    ws.declareOrg("big", members, { maxRemovals: 0 });

    const child = spawn(
      process.execPath,
      [CLI, "apply", "--source", ws.src, "--backend", ws.backend, "--yes", "--concurrency", "4"],
      { cwd: ws.dir, env: cleanEnv(), stdio: "ignore" },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("exit", (_code, signal) => resolve(signal)),
    );
    // Kill as soon as some invitations landed: the process dies between two writes (or inside one).
    let landed = 0;
    while (landed < 50 && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 20));
      landed = pendingInvitations(ws.db);
    }
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    const atKill = pendingInvitations(ws.db);
    expect(atKill).toBeGreaterThanOrEqual(50);
    expect(atKill).toBeLessThan(MEMBERS);

    const rerun = await ws.apply();
    expect(rerun.code).toBe(0);
    const perEmail = ws.query<{ email: string; n: number }>(
      "SELECT email, count(*) AS n FROM invitations GROUP BY email HAVING n > 1",
    );
    expect(perEmail).toEqual([]);
    expect(Object.keys(ws.invitations("big"))).toHaveLength(MEMBERS);
    const replan = await ws.plan();
    expect(replan.code).toBe(0);
    expect(replan.stdout).toContain("No changes");
  });
});
