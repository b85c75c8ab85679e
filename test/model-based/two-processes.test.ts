import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PortalStore } from "../../controller/adapters/backends/sqlite/store.js";
import type { Role } from "../../controller/model/index.js";
import { roster } from "../http/server-process.js";
import { renderOrg } from "./model.js";
import { scratchRoot } from "./targets.js";

const MEMBERS = 80;

let dir: string;
afterEach(() => rm(dir, { recursive: true, force: true }));

/**
 * Two `roster apply` processes on one store file at the same time (an operator's apply beside
 * the controller's pass): separate connections, separate processes, one journal. Both succeed,
 * each invitation is sent once, the journal's chain holds, and the next plan is empty.
 */
describe("two roster apply processes on one store at once", () => {
  it("both succeed, nothing twice, the journal intact", { timeout: 120_000 }, async () => {
    dir = await mkdtemp(path.join(scratchRoot(), "roster-two-"));
    const src = path.join(dir, "src");
    const db = path.join(dir, "portal.db");
    await mkdir(src);
    const members: Record<string, Role> = { "owner@big.io": "owner" };
    const emails = Array.from(
      { length: MEMBERS },
      (_, i) => `u${String(i).padStart(3, "0")}@big.io`,
    );
    for (const email of emails) members[email] = "member";
    await writeFile(
      path.join(src, "big.yaml"),
      renderOrg({ name: "big", displayName: "Big", members }),
    );
    const flags = ["--source", src, "--backend", `sqlite:${db}`];

    const [a, b] = await Promise.all([
      roster(["apply", ...flags, "--yes"], dir),
      roster(["apply", ...flags, "--yes"], dir),
    ]);
    for (const run of [a, b]) {
      expect(run.stderr).not.toMatch(/idempotency key/i);
      expect(run.code, run.stderr).toBe(0);
    }

    const store = PortalStore.open(db, { create: false });
    try {
      const snap = store.snapshot("big")!;
      expect(snap.members.map((m) => m.email)).toEqual(["owner@big.io"]);
      expect(snap.invitations.map((i) => i.email).sort()).toEqual(emails);
      const invites = store
        .listAudit({ kind: "system", name: "check" }, "big", { limit: 200 })
        .items.filter((e) => e.action === "invite");
      expect(invites).toHaveLength(MEMBERS);
    } finally {
      store.close();
    }
    const verify = await roster(["journal", "verify", "--backend", `sqlite:${db}`], dir);
    expect(verify.code, verify.stderr).toBe(0);
    const plan = await roster(["plan", ...flags, "-o", "json"], dir);
    expect(plan.code).toBe(0);
    expect((JSON.parse(plan.stdout) as { steps: unknown[] }).steps).toEqual([]);
  });
});
