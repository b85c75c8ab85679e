import Database from "better-sqlite3";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseMetrics, RunningController } from "../controller/run-harness.js";
import { E2E_TIMEOUT_MS, Workspace } from "../e2e-apply/harness.js";

/** The removal of `email` as the store recorded it: the instant the backend applied it. */
function removedAt(db: string, email: string): string | undefined {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const row = conn
      .prepare("SELECT time FROM audit_events WHERE action = 'removeMember' AND target = ?")
      .get(email) as { time: string } | undefined;
    return row?.time;
  } finally {
    conn.close();
  }
}

describe("roster run revokes AT the declared expiry, not at the next interval", () => {
  let ws: Workspace | undefined;
  let controller: RunningController | undefined;
  afterEach(async () => {
    await controller?.stop();
    ws?.cleanup();
  });

  it(
    "an active member whose expiresAt falls between two hourly passes is removed at the instant",
    async () => {
      ws = new Workspace();
      ws.declareOrg(
        "acme",
        { "alice@acme.com": "owner", "carol@acme.com": "member" },
        { domains: ["acme.com"] },
      );
      expect(
        (await ws.roster(["apply", "--source", "src", "--backend", ws.backend, "--yes"])).code,
      ).toBe(0);
      expect(
        (
          await ws.roster([
            "portal",
            "accept",
            "carol@acme.com",
            "--org",
            "acme",
            "--backend",
            ws.backend,
          ])
        ).code,
      ).toBe(0);

      // Far enough ahead that the start pass (slow on a loaded CI box) runs before it.
      const expiresAt = new Date(Date.now() + 12_000).toISOString();
      const yaml = readFileSync(path.join(ws.src, "acme.yaml"), "utf8");
      ws.write(
        "acme.yaml",
        yaml
          .replace("  role: member", `  role: member\n  expiresAt: ${expiresAt}`)
          .replace("spec:\n", "spec:\n  reviews: { every: 90d }\n"),
      );
      // The latest review, 100 days ago: 10 days overdue.
      const reviewedAt = new Date(Date.now() - 100 * 86400_000).toISOString();
      ws.write(
        "review.yaml",
        `apiVersion: roster.workjet.io/v1alpha1\nkind: AccessReview\nmetadata:\n  name: q1\nspec:\n  organization: acme\n  reviewer: alice@acme.com\n  reviewedAt: ${reviewedAt}\n`,
      );

      controller = new RunningController(
        ["--source", "src", "--backend", ws.backend, "--listen", "127.0.0.1:0", "--interval", "1h"],
        ws.dir,
      );
      await controller.started();
      const first = await controller.waitForLog((l) => l.msg === "synced" && l.trigger === "start");
      expect(Date.now()).toBeLessThan(Date.parse(expiresAt));
      expect(first.applied).toBe(0);
      expect(removedAt(ws.db, "carol@acme.com")).toBeUndefined();
      const metrics = parseMetrics(await (await fetch(`${controller.url}/metrics`)).text());
      const due = metrics.get('roster_access_review_due_seconds{org="acme"}');
      expect(due).toBeLessThan(-10 * 86400 + 120);
      expect(due).toBeGreaterThan(-10 * 86400 - 120);

      const revoked = await controller.waitForLog(
        (l) => l.msg === "synced" && l.trigger === "expiry" && l.applied === 1,
        60_000,
      );
      expect(revoked.org).toBe("acme");
      const at = removedAt(ws.db, "carol@acme.com");
      expect(at).toBeDefined();
      const lag = Date.parse(at!) - Date.parse(expiresAt);
      // Never before the instant; after it by one pass's time, not by an hour's interval.
      expect(lag).toBeGreaterThanOrEqual(0);
      expect(lag).toBeLessThan(30_000);
    },
    E2E_TIMEOUT_MS,
  );
});
