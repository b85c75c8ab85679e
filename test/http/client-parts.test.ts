import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConcurrencyLimiter } from "../../controller/adapters/backends/http/limiter.js";
import type { RetryPolicy } from "../../controller/adapters/backends/http/retry.js";
import {
  DEFAULT_RETRY,
  parseRetryAfter,
  retryDelayMs,
} from "../../controller/adapters/backends/http/retry.js";
import { resolveToken } from "../../controller/adapters/backends/http/token.js";

const policy = (random: number): RetryPolicy => ({ ...DEFAULT_RETRY, random: () => random });

describe("retryDelayMs (capped exponential backoff, full jitter)", () => {
  it.each([
    [1, 0.999, 99],
    [2, 0.999, 199],
    [3, 0.5, 200],
    [10, 0.999, 4995],
    [30, 0.999, 4995],
    [4, 0, 0],
  ])("attempt %i with random %f waits %i ms", (attempt, random, expected) => {
    expect(retryDelayMs(attempt, undefined, policy(random))).toBe(expected);
  });

  it("takes Retry-After as a floor, and gives up on one longer than the maximum", () => {
    expect(retryDelayMs(1, 2, policy(0.5))).toBe(2000);
    expect(retryDelayMs(1, 0, policy(0.5))).toBe(50);
    expect(retryDelayMs(1, 31, policy(0.5))).toBeUndefined();
  });
});

describe("parseRetryAfter", () => {
  it("reads delay-seconds and HTTP dates", () => {
    expect(parseRetryAfter("3")).toBe(3);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter("soon")).toBeUndefined();
    const now = Date.parse("2026-01-02T03:04:05Z");
    expect(parseRetryAfter("Fri, 02 Jan 2026 03:04:10 GMT", now)).toBe(5);
    expect(parseRetryAfter("Fri, 02 Jan 2026 03:04:00 GMT", now)).toBe(0);
  });
});

describe("ConcurrencyLimiter", () => {
  it("never runs more than its limit at once, and runs everything", async () => {
    const limiter = new ConcurrencyLimiter(3);
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limiter.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((resolve) => setTimeout(resolve, 2 + (i % 3)));
          running--;
          done.push(i);
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(limiter.inFlight).toBe(0);
  });

  it("frees the slot when a call fails", async () => {
    const limiter = new ConcurrencyLimiter(1);
    await expect(limiter.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(limiter.run(() => Promise.resolve(7))).resolves.toBe(7);
  });
});

describe("resolveToken", () => {
  it("reads the file (trimmed), else ROSTER_TOKEN, and never puts the token in an error", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "roster-token-"));
    try {
      const file = path.join(dir, "key");
      await writeFile(file, "rk_fromfile\n");
      expect(await resolveToken({ tokenFile: file, env: { ROSTER_TOKEN: "rk_env" } })).toBe(
        "rk_fromfile",
      );
      expect(await resolveToken({ env: { ROSTER_TOKEN: " rk_env " } })).toBe("rk_env");
      await expect(resolveToken({ env: {} })).rejects.toThrow(
        /--token-file FILE or set ROSTER_TOKEN/,
      );
      await expect(resolveToken({ tokenFile: path.join(dir, "missing") })).rejects.toThrow(
        /ENOENT/,
      );
      await writeFile(file, "rk_secret one\nrk_secret two\n");
      const error = await resolveToken({ tokenFile: file }).catch((e: Error) => e);
      expect(String(error)).toMatch(/single printable API key/);
      expect(String(error)).not.toContain("rk_secret");
      await writeFile(file, "  \n");
      await expect(resolveToken({ tokenFile: file })).rejects.toThrow(/is empty/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
