import { afterEach, describe, expect, it } from "vitest";
import { Harness } from "./harness.js";
import { waitFor } from "./helpers.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("a status write the API server refuses", () => {
  it("does not keep the other objects' status from being written, and is retried", async () => {
    h = await new Harness().start();
    await h.createOrg("acme");
    await h.createMember("alice", "owner");
    await h.createMember("bob", "member");
    await h.createMember("carol", "member");
    // Members are written before their Organization: bob's refusal came first and stopped the rest.
    h.server.failNext("PATCH", "/members/bob/status", 422, 1_000);
    await h.controller();
    await h.waitForReady();
    await waitFor(() => h!.phase("carol") !== undefined, 10_000, "carol's status");
    // Refused, and retried with the organization's backoff rather than given up.
    await waitFor(() => refusals(h!) >= 2, 10_000, "bob's status retried");
    expect(h.phase("bob")).toBeUndefined();
  });
});

function refusals(harness: Harness): number {
  return harness.server.requests.filter(
    (r) => r.method === "PATCH" && r.path.includes("/members/bob/status") && r.status === 422,
  ).length;
}
