import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { backoffDelay } from "../../controller/adapters/backends/google/backoff.js";
import { retryAfterOf } from "../../controller/adapters/backends/google/errors.js";
import { redactSecrets } from "../../controller/adapters/redact.js";
import { BackendError } from "../../controller/model/index.js";
import { GROUP, ctx, harness, pad, type Harness } from "./setup.js";

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.close();
});

function fillGroup(n: number): void {
  h.fake.addMember(GROUP, "owner@acme.com", "OWNER");
  for (let i = 1; i < n; i++) h.fake.addMember(GROUP, `u${pad(i)}@acme.com`);
}

describe("quota: reads back off and retry", () => {
  it("retries a page refused with 403 rateLimitExceeded / userRateLimitExceeded, with growing delays", async () => {
    fillGroup(450);
    h.fake.server.inject({ method: "GET", status: 403, reason: "rateLimitExceeded", times: 1 });
    h.fake.server.inject({ method: "GET", status: 403, reason: "userRateLimitExceeded", times: 1 });
    const backend = h.open();

    const actual = await backend.snapshot("acme");

    expect(actual!.members).toHaveLength(450);
    // Two refusals of the first page, then the three pages: no page was read twice once served.
    expect(h.fake.calls.map((c) => c.status)).toEqual([403, 403, 200, 200, 200]);
    expect(h.fake.calls[2]!.query.pageToken).toBeUndefined();
    // random() = 0: 1 s, then 2 s (base·2ⁿ⁻¹).
    expect(h.sleeps).toEqual([1000, 2000]);
  });

  it("waits at least the Retry-After of a 429 before the next page", async () => {
    fillGroup(450);
    h.fake.server.inject({ method: "GET", status: 429, retryAfter: "7", times: 1 });
    const backend = h.open();

    await backend.snapshot("acme");

    expect(h.sleeps).toEqual([7000]);
    expect(h.fake.calls.map((c) => c.status)).toEqual([429, 200, 200, 200]);
  });

  it("retries a page in the middle of the listing without starting over", async () => {
    fillGroup(450);
    const backend = h.open();
    await backend.snapshot("acme");
    const second = h.fake.calls[1]!.query.pageToken!;
    h.fake.calls.length = 0;
    h.fake.server.inject({
      method: "GET",
      status: 403,
      reason: "rateLimitExceeded",
      match: (call) => call.query.pageToken === second,
      times: 1,
    });

    const again = await backend.snapshot("acme");
    expect(again!.members).toHaveLength(450);
    expect(h.fake.calls.map((c) => c.status)).toEqual([200, 403, 200, 200]);
    expect(h.fake.calls[1]!.query.pageToken).toBe(second);
    expect(h.fake.calls[2]!.query.pageToken).toBe(second);
    expect(h.fake.calls[0]!.query.pageToken).toBeUndefined();
  });

  it("gives up after maxAttempts with a transient error the executor can requeue", async () => {
    fillGroup(3);
    h.fake.server.inject({ method: "GET", status: 429, retryAfter: "3", times: 10 });
    const backend = h.open({ backoff: { ...noSleep(h), maxAttempts: 3 } });

    const error = await backend.snapshot("acme").catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).transient).toBe(true);
    expect((error as BackendError).code).toBe("rate-limited");
    expect((error as BackendError).retryAfterSeconds).toBe(3);
    expect(h.fake.calls).toHaveLength(3);
  });

  it("does not retry other client errors", async () => {
    fillGroup(3);
    h.fake.server.inject({ method: "GET", status: 403, reason: "forbidden", times: 1 });
    const backend = h.open();

    const error = await backend.snapshot("acme").catch((e: unknown) => e);

    expect((error as BackendError).code).toBe("forbidden");
    expect((error as BackendError).transient).toBe(false);
    expect((error as BackendError).message).toContain("domain-wide delegation");
    expect(h.fake.calls).toHaveLength(1);
    expect(h.sleeps).toEqual([]);
  });
});

describe("quota: writes fail fast as transient for the executor", () => {
  it("reports a rate-limited insert once, with its Retry-After, and a retry then succeeds", async () => {
    fillGroup(1);
    h.fake.server.inject({ method: "POST", status: 429, retryAfter: "5", times: 1 });
    const backend = h.open();
    const step = ctx();

    const error = await backend
      .invite("acme", "new@acme.com", "member", step)
      .catch((e: unknown) => e);
    expect((error as BackendError).transient).toBe(true);
    expect((error as BackendError).retryAfterSeconds).toBe(5);
    expect(h.fake.count("POST")).toBe(1);

    expect(await backend.invite("acme", "new@acme.com", "member", step)).toBe("applied");
    expect(h.fake.rolesOf(GROUP)["new@acme.com"]).toBe("MEMBER");
  });
});

describe("quota helpers", () => {
  it("caps the delay, honours Retry-After as a floor, and refuses an excessive one", () => {
    const opts = { random: () => 0.5, baseDelayMs: 1000, maxDelayMs: 32_000 };
    expect(backoffDelay(1, undefined, opts)).toBe(1500);
    expect(backoffDelay(3, undefined, opts)).toBe(4500);
    expect(backoffDelay(10, undefined, opts)).toBe(32_000);
    expect(backoffDelay(1, 10, opts)).toBe(10_000);
    expect(backoffDelay(1, 3600, opts)).toBeUndefined();
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2025-03-01T10:00:00Z");
    expect(retryAfterOf(new Headers({ "retry-after": "12" }), now)).toBe(12);
    expect(retryAfterOf(new Headers({ "retry-after": "Sat, 01 Mar 2025 10:00:30 GMT" }), now)).toBe(
      30,
    );
    expect(retryAfterOf({ "retry-after": "soon" }, now)).toBeUndefined();
    expect(retryAfterOf(undefined, now)).toBeUndefined();
  });

  it("redacts tokens and keys from messages", () => {
    const text =
      'failed: Authorization: Bearer ya29.a0AfH6SM-secret {"access_token":"ya29.zzz","private_key":"-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"}';
    const out = redactSecrets(text);
    expect(out).not.toContain("ya29");
    expect(out).not.toContain("MIIE");
    expect(out).toContain("Bearer [redacted]");
  });
});

function noSleep(harnessed: Harness) {
  return {
    sleep: (ms: number) => {
      harnessed.sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0,
  };
}
