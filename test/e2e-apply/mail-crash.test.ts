import Database from "better-sqlite3";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Role } from "../../controller/model/index.js";
import { CLI, cleanEnv, E2E_TIMEOUT_MS, Workspace } from "./harness.js";

const MEMBERS = 300;

/** Counts read while the CLI writes: a busy or half-migrated file reads as "not yet". */
function count(file: string, sql: string): number {
  if (!existsSync(file)) return 0;
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare(sql).get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

/** The accept token in an .eml file (quoted-printable may fold the link: unfold first). */
function tokenIn(file: string): string {
  const raw = readFileSync(file, "utf8")
    .replace(/=\r?\n/g, "")
    .replace(/=3D/g, "=");
  const match = /token=(ri_[A-Za-z0-9_-]+)/.exec(raw);
  if (!match) throw new Error(`no accept link in ${file}`);
  return match[1]!;
}

describe("kill -9 during a few-hundred-invite apply", { timeout: E2E_TIMEOUT_MS }, () => {
  let ws: Workspace;
  afterEach(() => ws.cleanup());

  it("after one more apply, every pending invitation has exactly one mail, with its live link", async () => {
    ws = new Workspace();
    const members: Record<string, Role> = { "owner@big.io": "owner" };
    for (let i = 0; i < MEMBERS; i++)
      members[`user${String(i).padStart(4, "0")}@big.io`] = "member";
    ws.declareOrg("big", members, { maxRemovals: 0 });

    // Kill points: while invitations are being written, and while the outbox is being delivered
    // (the invites are mailed right after each commit, so both happen throughout).
    const killAt = [1, 30, 75, 120, 170, 230, 280];
    let killed = 0;
    for (const threshold of killAt) {
      const child = spawn(
        process.execPath,
        [CLI, "apply", "--source", ws.src, "--backend", ws.backend, "--yes", "--concurrency", "4"],
        { cwd: ws.dir, env: cleanEnv(), stdio: "ignore" },
      );
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on("exit", (_code, signal) => resolve(signal)),
      );
      const deadline = Date.now() + 120_000;
      while (child.exitCode === null && Date.now() < deadline) {
        const jobs = count(ws.db, "SELECT count(*) AS n FROM mail_jobs");
        if (jobs >= threshold) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      child.kill("SIGKILL");
      if ((await exited) === "SIGKILL") killed++;
    }
    // Most runs must really have died mid-way, or this test proves nothing.
    expect(killed).toBeGreaterThanOrEqual(killAt.length - 2);
    const mid = count(ws.db, "SELECT count(*) AS n FROM invitations");
    expect(mid).toBeLessThanOrEqual(MEMBERS);

    const final = await ws.apply();
    expect(final.stderr).not.toMatch(/wait for delivery|failed for good/);
    expect(final.code).toBe(0);

    const pending = ws.query<{ email: string; token_hash: string }>(
      "SELECT email, token_hash FROM invitations WHERE status = 'pending' ORDER BY email",
    );
    expect(pending).toHaveLength(MEMBERS);
    const outbox = path.join(ws.dir, ".roster", "outbox");
    const files = readdirSync(outbox).filter((f) => f.endsWith(".eml") && !f.startsWith("."));
    const byRecipient = new Map<string, string[]>();
    for (const f of files) {
      const who = /-([^-]+_big\.io)\.eml$/.exec(f)?.[1]?.replace("_", "@") ?? f;
      byRecipient.set(who, [...(byRecipient.get(who) ?? []), f]);
    }
    const duplicated = [...byRecipient].filter(([, fs]) => fs.length !== 1).map(([w]) => w);
    expect(duplicated).toEqual([]);
    expect([...byRecipient.keys()].sort()).toEqual(pending.map((p) => p.email));
    // Each mail carries the token of the invitation as it stands: the link works.
    for (const p of pending) {
      const [file] = byRecipient.get(p.email)!;
      const hash = createHash("sha256")
        .update(tokenIn(path.join(outbox, file!)))
        .digest("hex");
      expect(hash, p.email).toBe(p.token_hash);
    }
    // Nothing left in the outbox, and no link kept in the store once delivered.
    expect(
      ws.query("SELECT status, count(*) AS n FROM mail_jobs GROUP BY status ORDER BY status"),
    ).toEqual([{ status: "delivered", n: MEMBERS }]);
    expect(ws.query("SELECT id FROM mail_jobs WHERE message_json IS NOT NULL")).toEqual([]);
  });
});
