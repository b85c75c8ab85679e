import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HttpBackend, MARK_BATCH } from "../../controller/adapters/backends/http/backend.js";
import { isValidEmail } from "../../controller/model/index.js";
import type { ApiHarness } from "./harness.js";
import { keyFor, seedOrg, startApi, SYSTEM } from "./harness.js";

const ORG = "acme";
const OWNER = "alice@acme.com";

let api: ApiHarness;

beforeEach(async () => {
  api = await startApi();
  await seedOrg(api.store, ORG, OWNER, []);
});

afterEach(async () => {
  await api.close();
});

// Addresses may be up to 254 characters: MARK_BATCH of them is a body far over the server's
// 64 KiB, so a count-only batch was refused with 413 and the whole pass failed before its writes.
describe("markManaged with long addresses", () => {
  it("MARK_BATCH addresses of 200 characters are all marked (batches fit the server's body limit)", async () => {
    const local = "x".repeat(200 - "@acme.com".length - 4);
    const emails = Array.from(
      { length: MARK_BATCH },
      (_, i) => `${local}${String(i).padStart(4, "0")}@acme.com`,
    );
    expect(emails.every((e) => e.length === 200 && isValidEmail(e))).toBe(true);
    for (const email of emails) await api.store.invite(SYSTEM, ORG, email, "member");
    const backend = new HttpBackend({
      baseUrl: api.url,
      token: keyFor(api.store, ORG, OWNER),
      retry: { sleep: () => Promise.resolve() },
    });
    await backend.markManaged(ORG, emails, {
      revision: "rev1",
      reason: "test",
      actor: "roster@test",
      idempotencyKey: "m",
    });
    const marked = api.store.snapshot(ORG)!.invitations.filter((i) => i.managed);
    expect(marked).toHaveLength(MARK_BATCH);
  });
});
