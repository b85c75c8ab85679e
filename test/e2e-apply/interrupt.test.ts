import Database from "better-sqlite3";
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Role } from "../../controller/model/index.js";
import { CLI, cleanEnv, E2E_TIMEOUT_MS, Workspace } from "./harness.js";

const MEMBERS = 400;

function invitations(file: string): number {
  if (!existsSync(file)) return 0;
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare("SELECT count(*) AS n FROM invitations").get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

describe("Ctrl-C during an apply", { timeout: E2E_TIMEOUT_MS }, () => {
  let ws: Workspace;
  afterEach(() => ws.cleanup());

  it("finishes the steps in flight, delivers their mail, says how far it got, and exits 130", async () => {
    ws = new Workspace();
    const members: Record<string, Role> = { "owner@big.io": "owner" };
    for (let i = 0; i < MEMBERS; i++)
      members[`user${String(i).padStart(4, "0")}@big.io`] = "member";
    ws.declareOrg("big", members, { maxRemovals: 0 });

    const child = spawn(
      process.execPath,
      [CLI, "apply", "--source", ws.src, "--backend", ws.backend, "--yes", "--concurrency", "2"],
      { cwd: ws.dir, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on("close", (code) => resolve(code)),
    );
    const deadline = Date.now() + 120_000;
    while (invitations(ws.db) < 20 && child.exitCode === null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill("SIGINT");
    const code = await exited;

    expect(code, stderr).toBe(130);
    const match =
      /roster: interrupted after (\d+) of (\d+) steps; run the same command again to finish/.exec(
        stderr,
      );
    expect(match, stderr).not.toBeNull();
    const [done, total] = [Number(match![1]), Number(match![2])];
    expect(total).toBe(MEMBERS + 1);
    expect(done).toBeLessThan(total);
    // Every step that ran is in the store, and every invitation it made has its mail.
    const invited = invitations(ws.db);
    expect(invited).toBe(done - 1); // the organization's creation is the other step
    expect(ws.query("SELECT DISTINCT status FROM mail_jobs")).toEqual([{ status: "delivered" }]);
    const files = readdirSync(path.join(ws.dir, ".roster", "outbox")).filter((f) =>
      f.endsWith(".eml"),
    );
    expect(files).toHaveLength(invited);
    expect(stderr).not.toContain("not started: shutting down");

    const again = await ws.apply();
    expect(again.code, again.stderr).toBe(0);
    expect(Object.keys(ws.invitations("big"))).toHaveLength(MEMBERS);
    expect(readdirSync(path.join(ws.dir, ".roster", "outbox"))).toHaveLength(MEMBERS);
  });
});
