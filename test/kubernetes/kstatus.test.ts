import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Harness } from "./harness.js";
import { waitFor } from "./helpers.js";
import { kstatus } from "./kstatus-reading.js";

let h: Harness;
beforeEach(async () => {
  h = await new Harness().start();
});
afterEach(async () => {
  await h.close();
});

describe("kstatus-correct status of an Organization", () => {
  it("a blocked transfer is Ready=False/Blocked naming the step, and not in progress forever", async () => {
    await h.createOrg("acme");
    await h.createMember("alice", "owner");
    await h.createMember("bob", "member");
    const controller = await h.controller();
    await h.waitForReady();
    // Ownership to bob, who has not accepted his invitation: the transfer must wait (DESIGN).
    await h.patchSpec("members", "alice", { role: "admin" });
    await h.patchSpec("members", "bob", { role: "owner" });
    await waitFor(
      () => h.condition(h.org(), "Ready")?.reason === "Blocked",
      10_000,
      "Ready=False reason Blocked",
    );
    await h.settle();
    const org = h.org();
    expect(h.condition(org, "Ready")).toMatchObject({ status: "False", reason: "Blocked" });
    expect(h.condition(org, "Ready")?.message).toMatch(/transferOwnership bob@acme\.com/);
    expect(h.condition(org, "Reconciling")?.status).toBe("False");
    expect(h.condition(org, "Stalled")?.status).toBe("False");
    expect(kstatus(org)).toBe("Current");
    expect(org?.status).toMatchObject({ observedGeneration: org?.metadata.generation });
    expect(h.writes("transferOwnership")).toEqual([]);

    h.backend.acceptInvite("acme", "bob@acme.com");
    controller.resync();
    await h.waitForReady();
    expect(h.writes("transferOwnership")).toHaveLength(1);
    expect(kstatus(h.org())).toBe("Current");
  });

  it("invalid input is Stalled (kstatus Failed) until fixed, then Current at the new generation", async () => {
    await h.createOrg("acme");
    await h.createMember("alice", "owner");
    await h.createMember("dave", "owner");
    await h.controller();
    await waitFor(() => kstatus(h.org()) === "Failed", 10_000, "kstatus Failed");
    const stalledMember = h.member("dave");
    expect(kstatus(stalledMember)).toBe("Failed");
    expect(h.condition(h.org(), "Reconciling")?.status).toBe("False");
    expect(h.condition(h.org(), "Ready")).toMatchObject({ status: "False", reason: "Invalid" });

    await h.patchSpec("members", "dave", { role: "member" });
    await h.waitForReady();
    await waitFor(() => kstatus(h.member("dave")) === "Current", 10_000, "dave Current");
    const dave = h.member("dave")!;
    expect(dave.metadata.generation).toBe(2);
    expect(dave.status).toMatchObject({ observedGeneration: 2 });
    expect(kstatus(h.org())).toBe("Current");
  });
});
