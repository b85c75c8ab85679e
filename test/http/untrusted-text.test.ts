import { execFile } from "node:child_process";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ApiHarness } from "./harness.js";
import { SYSTEM, call, errorCode, keyFor, seedOrg, startApi } from "./harness.js";

// X-Roster-* headers end up in the audit trail an auditor reads on a terminal (issue 13).
const CLI = path.resolve("dist/controller/cli/main.js");
let api: ApiHarness;
let owner: string;

beforeEach(async () => {
  api = await startApi();
  await seedOrg(api.store, "acme", "alice@acme.com");
  owner = keyFor(api.store, "acme", "alice@acme.com");
});
afterEach(async () => {
  await api.close();
});

function audit(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CLI, "portal", "audit", "acme", "--backend", `sqlite:${file}`],
      { env: { ...process.env, NO_COLOR: "1" } },
      (error, stdout) => (error ? reject(new Error(error.message)) : resolve(stdout)),
    );
  });
}

describe("untrusted text in audit details", { timeout: 60_000 }, () => {
  it.each([
    ["x-roster-reason", "%1B%5B2J%1B%5B31mall%20clear"],
    ["x-roster-actor", "ci%0A2026-01-01%20system%20grant%20admin"],
    ["x-roster-revision", "abc%07"],
    ["x-roster-reason", "c1%C2%9B31m"],
  ])("refuses control characters in %s (%s) and writes nothing", async (header, value) => {
    const before = api.store.listAudit(SYSTEM, "acme").items.length;
    const answer = await call(api.url, "POST", "/v1/orgs/acme/invitations", {
      key: owner,
      body: { email: "x@acme.com", role: "member" },
      headers: { [header]: value },
    });
    expect(answer.status).toBe(400);
    expect(errorCode(answer)).toBe("bad-request");
    expect(api.store.listAudit(SYSTEM, "acme").items).toHaveLength(before);
    expect(api.store.snapshot("acme")?.invitations).toEqual([]);
  });

  it("prints stored text inert: escapes shown, no forged line", async () => {
    // Written by another writer of the file (or an older Roster): output must not trust it.
    await api.store.invite(SYSTEM, "acme", "x@acme.com", "member", {
      reason: "\u001b[31mred\nFORGED LINE",
      revision: "r\u0007",
    });
    const out = await audit(api.file);
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    expect(out).toContain("\\x1b[31mred\\nFORGED LINE");
    expect(out.split("\n").some((line) => line.startsWith("FORGED"))).toBe(false);
    expect(out).toContain("r\\x07");
  });
});
