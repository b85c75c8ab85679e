import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Harness } from "../kubernetes/harness.js";
import { waitFor } from "../kubernetes/helpers.js";

let h: Harness;
beforeEach(async () => {
  h = await new Harness().start();
});
afterEach(async () => {
  await h.close();
});

describe("Kubernetes mode requeues an organization at its next declared expiry", () => {
  it("revokes a Member at its expiresAt although the resync period is a minute away", async () => {
    await h.createOrg("acme");
    await h.createMember("alice", "owner");
    const expiresAt = new Date(Date.now() + 3_000).toISOString();
    await h.createMember("bob", "member");
    await h.patchSpec("members", "bob", { expiresAt });
    await h.controller();
    await h.waitForReady();
    expect((await h.backend.snapshot("acme"))?.invitations.map((i) => i.email)).toEqual([
      "bob@acme.com",
    ]);
    // resyncPeriodMs is 60 s in the harness: only the expiry wake-up brings the org back.
    await waitFor(async () => (await h.backend.snapshot("acme"))?.invitations.length === 0, 30_000);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(expiresAt));
    expect(h.writes().map((w) => `${w.action}:${w.email ?? ""}`)).toContain(
      "cancelInvite:bob@acme.com",
    );
  });
});
