import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { signGitHubPayload } from "../../controller/server/controller/webhook-signature.js";
import { membersYaml, orgYaml, TestRepo } from "../audit/test-repo.js";
import { E2E_TIMEOUT_MS } from "../e2e-apply/harness.js";
import { parseMetrics, RunningController, waitFor } from "./run-harness.js";

const WHO = { name: "Alice", email: "alice@acme.com" };
const SECRET = "webhook secret for tests";

interface Setup {
  repo: TestRepo;
  dir: string;
  db: string;
  controller?: RunningController;
}

function setup(): Setup {
  const repo = TestRepo.create("roster-run-repo-");
  repo.write("orgs/acme.yaml", orgYaml("acme"));
  repo.write(
    "orgs/acme-members.yaml",
    membersYaml("acme", [
      ["alice", "alice@acme.com", "owner"],
      ["bob", "bob@acme.com", "member"],
    ]),
  );
  repo.commit("acme: initial members", "2026-01-01T10:00:00Z", WHO);
  const dir = mkdtempSync(path.join(os.tmpdir(), "roster-run-"));
  writeFileSync(path.join(dir, "secret"), `${SECRET}\n`);
  return { repo, dir, db: path.join(dir, "portal.db") };
}

function invited(db: string): string[] {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return (
      conn
        .prepare("SELECT email FROM invitations WHERE status = 'pending' ORDER BY email")
        .all() as { email: string }[]
    ).map((r) => r.email);
  } finally {
    conn.close();
  }
}

function auditCount(db: string): number {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return (conn.prepare("SELECT count(*) AS n FROM audit_events").get() as { n: number }).n;
  } finally {
    conn.close();
  }
}

function start(s: Setup, source: string, ...extra: string[]): RunningController {
  s.controller = new RunningController(
    ["--source", source, "--backend", `sqlite:${s.db}`, "--listen", "127.0.0.1:0", ...extra],
    s.dir,
  );
  return s.controller;
}

describe("roster run (the controller loop)", () => {
  let current: Setup | undefined;
  afterEach(async () => {
    await current?.controller?.stop();
    current?.repo.cleanup();
    if (current) rmSync(current.dir, { recursive: true, force: true });
    current = undefined;
  });

  it(
    "follows new commits, keeps the last good state on invalid YAML, exports metrics, stops on SIGTERM",
    async () => {
      const s = (current = setup());
      const first = s.repo.head();
      const run = start(s, `${s.repo.dir}#main//orgs`, "--interval", "1s");
      const url = await run.started();
      expect((await fetch(`${url}/healthz`)).status).toBe(200);

      await run.waitForLog((l) => l.msg === "synced" && l.org === "acme" && l.revision === first);
      expect(invited(s.db)).toEqual(["bob@acme.com"]);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      // Every log line of the pass names its org and the commit it came from.
      const stepLine = run.logs.find((l) => l.msg === "step done" && l.email === "bob@acme.com");
      expect(stepLine).toMatchObject({ org: "acme", revision: first, action: "invite" });

      s.repo.write(
        "orgs/acme-members.yaml",
        membersYaml("acme", [
          ["alice", "alice@acme.com", "owner"],
          ["bob", "bob@acme.com", "member"],
          ["carol", "carol@acme.com", "admin"],
        ]),
      );
      const second = s.repo.commit("acme: add carol", "2026-01-02T10:00:00Z", WHO);
      await waitFor(
        () => invited(s.db).includes("carol@acme.com"),
        30_000,
        () => run.describe(),
      );
      await run.waitForLog((l) => l.msg === "synced" && l.revision === second);

      // Two owners at the new commit: invalid, so nothing is written and the last good state stays.
      const writesBefore = auditCount(s.db);
      s.repo.write(
        "orgs/acme-members.yaml",
        membersYaml("acme", [
          ["alice", "alice@acme.com", "owner"],
          ["carol", "carol@acme.com", "owner"],
        ]),
      );
      const bad = s.repo.commit("acme: two owners by mistake", "2026-01-03T10:00:00Z", WHO);
      await run.waitForLog((l) => l.msg.startsWith("invalid resources") && l.revision === bad);
      const passesAfterBad = () =>
        run.logs.filter((l) => l.msg.startsWith("invalid resources")).length;
      await waitFor(
        () => passesAfterBad() >= 2,
        30_000,
        () => run.describe(),
      );
      expect(auditCount(s.db)).toBe(writesBefore);
      expect(invited(s.db)).toEqual(["bob@acme.com", "carol@acme.com"]);

      const metrics = parseMetrics(await (await fetch(`${url}/metrics`)).text());
      expect(metrics.get('roster_sync_total{org="acme",result="synced"}')).toBeGreaterThanOrEqual(
        2,
      );
      expect(
        metrics.get('roster_sync_total{org="(source)",result="invalid"}'),
      ).toBeGreaterThanOrEqual(2);
      expect(metrics.get(`roster_source_info{revision="${bad}"}`)).toBe(1);
      expect(
        metrics.get('roster_steps_applied_total{org="acme",action="invite",result="applied"}'),
      ).toBe(2);
      // What the last valid pass found before repairing it: carol's invitation (issue 11: drift
      // that was repaired still shows, so an operator sees it happened).
      expect(metrics.get('roster_drift_steps{org="acme"}')).toBe(1);
      expect(
        metrics.get('roster_last_successful_sync_timestamp_seconds{org="acme"}'),
      ).toBeGreaterThan(Date.parse("2026-01-01") / 1000);
      expect(metrics.get("roster_sync_duration_seconds_count")).toBeGreaterThanOrEqual(3);

      expect(await run.stop()).toBe(0);
      expect(run.logs.at(-1)?.msg).toBe("stopped");
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "syncs at once on a signed push webhook and answers 401 to a bad signature without syncing",
    async () => {
      const s = (current = setup());
      const run = start(
        s,
        `${s.repo.dir}#main`,
        "--interval",
        "1h",
        "--webhook-secret-file",
        path.join(s.dir, "secret"),
      );
      const url = await run.started();
      await run.waitForLog((l) => l.msg === "synced");

      s.repo.write("orgs/dave.yaml", membersYaml("acme", [["dave", "dave@acme.com", "member"]]));
      const head = s.repo.commit("acme: add dave", "2026-01-02T10:00:00Z", WHO);
      const body = JSON.stringify({ ref: "refs/heads/main", after: head });
      const post = (signature: string | undefined) =>
        fetch(`${url}/webhook`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-github-event": "push",
            ...(signature ? { "x-hub-signature-256": signature } : {}),
          },
          body,
        });

      expect((await post(undefined)).status).toBe(401);
      expect((await post(signGitHubPayload("wrong secret", body))).status).toBe(401);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(invited(s.db)).toEqual(["bob@acme.com"]);
      expect(run.logs.filter((l) => l.msg === "synced")).toHaveLength(1);

      const good = await post(signGitHubPayload(SECRET, body));
      expect(good.status).toBe(202);
      await waitFor(
        () => invited(s.db).includes("dave@acme.com"),
        30_000,
        () => run.describe(),
      );
      await run.waitForLog(
        (l) => l.msg === "synced" && l.revision === head && l.trigger === "webhook push",
      );
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "writes nothing when the repository is unreachable, and is not ready",
    async () => {
      const s = (current = setup());
      const run = start(s, `file://${path.join(s.dir, "missing.git")}#main`, "--interval", "1s");
      const url = await run.started();
      await waitFor(
        () => run.logs.filter((l) => l.msg.startsWith("source unreadable")).length >= 2,
        30_000,
        () => run.describe(),
      );
      expect((await fetch(`${url}/readyz`)).status).toBe(503);
      expect(auditCount(s.db)).toBe(0);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "reports drift but writes nothing while suspended",
    async () => {
      const s = (current = setup());
      const run = start(s, `${s.repo.dir}#main`, "--interval", "1s", "--suspend");
      const url = await run.started();
      await run.waitForLog((l) => l.msg.startsWith("suspended") && l.org === "acme");
      const metrics = parseMetrics(await (await fetch(`${url}/metrics`)).text());
      // createOrganization + one invite are pending.
      expect(metrics.get('roster_drift_steps{org="acme"}')).toBe(2);
      expect(auditCount(s.db)).toBe(0);
    },
    E2E_TIMEOUT_MS,
  );
});
