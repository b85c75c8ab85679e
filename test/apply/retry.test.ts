import { describe, expect, it } from "vitest";
import { backoffDelay, withRetry } from "../../controller/apply/retry.js";
import { BackendError } from "../../controller/model/index.js";

const transient = (retryAfterSeconds?: number) =>
  new BackendError("unavailable", "try later", { transient: true, retryAfterSeconds });

describe("backoffDelay", () => {
  it.each([
    // attempt, random, expected: full jitter over min(cap, base·2^(n-1)) with base 100, cap 1000
    [1, 0.5, 50],
    [2, 0.5, 100],
    [3, 0.5, 200],
    [4, 0.999, 799],
    [5, 0.999, 999],
    [12, 0.999, 999],
    [3, 0, 0],
  ])("attempt %i with random %f waits %i ms", (attempt, r, expected) => {
    expect(
      backoffDelay(attempt, undefined, { baseDelayMs: 100, maxDelayMs: 1000, random: () => r }),
    ).toBe(expected);
  });

  it("takes Retry-After as a floor", () => {
    expect(backoffDelay(1, 3, { baseDelayMs: 100, random: () => 0.5 })).toBe(3000);
    expect(backoffDelay(5, 1, { baseDelayMs: 1000, maxDelayMs: 8000, random: () => 0.5 })).toBe(
      4000,
    );
  });

  it("gives up on a Retry-After longer than the limit rather than holding the run", () => {
    expect(backoffDelay(1, 3600, { random: () => 0.5 })).toBeUndefined();
    expect(backoffDelay(1, 30, { maxRetryAfterMs: 10_000, random: () => 0.5 })).toBeUndefined();
  });
});

describe("withRetry", () => {
  const noSleep = () => {
    const waits: number[] = [];
    return { waits, sleep: (ms: number) => (waits.push(ms), Promise.resolve()) };
  };

  it("retries transient errors until success, waiting between attempts", async () => {
    const { waits, sleep } = noSleep();
    let calls = 0;
    const out = await withRetry(
      () => (++calls < 3 ? Promise.reject(transient()) : Promise.resolve("ok")),
      { sleep, random: () => 0.5, baseDelayMs: 100 },
    );
    expect(out).toEqual({ value: "ok", attempts: 3 });
    expect(waits).toEqual([50, 100]);
  });

  it("does not retry a non-transient error", async () => {
    const { waits, sleep } = noSleep();
    let calls = 0;
    const out = await withRetry(
      () => {
        calls++;
        return Promise.reject(new BackendError("forbidden", "no"));
      },
      { sleep },
    );
    expect(calls).toBe(1);
    expect(out.attempts).toBe(1);
    expect((out.error as BackendError).code).toBe("forbidden");
    expect(waits).toEqual([]);
  });

  it("does not retry a programming error", async () => {
    const out = await withRetry(() => Promise.reject(new TypeError("bug")), {
      sleep: () => Promise.resolve(),
    });
    expect(out.attempts).toBe(1);
    expect(out.error).toBeInstanceOf(TypeError);
  });

  it("stops after maxAttempts and returns the last error", async () => {
    const { waits, sleep } = noSleep();
    let calls = 0;
    const out = await withRetry(
      () => {
        calls++;
        return Promise.reject(transient());
      },
      { sleep, maxAttempts: 4, random: () => 0 },
    );
    expect(calls).toBe(4);
    expect(out.attempts).toBe(4);
    expect(waits).toHaveLength(3);
  });

  it("honours Retry-After between attempts", async () => {
    const { waits, sleep } = noSleep();
    let calls = 0;
    await withRetry(() => (++calls === 1 ? Promise.reject(transient(2)) : Promise.resolve(1)), {
      sleep,
      random: () => 0.1,
    });
    expect(waits).toEqual([2000]);
  });
});
