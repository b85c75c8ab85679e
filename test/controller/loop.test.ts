import { afterEach, describe, expect, it } from "vitest";
import { ControllerLoop } from "../../controller/reconcile/index.js";
import type { PassOutcome } from "../../controller/reconcile/index.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await sleep(5);
  }
}

describe("ControllerLoop", () => {
  let loop: ControllerLoop | undefined;
  afterEach(async () => {
    await loop?.stop();
  });

  it("runs a pass at start and then at every interval", async () => {
    const triggers: string[] = [];
    loop = new ControllerLoop({
      intervalMs: 30,
      jitter: 0,
      pass: (trigger) => {
        triggers.push(trigger);
        return Promise.resolve("ok");
      },
    });
    loop.start();
    await until(() => triggers.length >= 3);
    expect(triggers.slice(0, 3)).toEqual(["start", "interval", "interval"]);
  });

  it("runs one more pass right after the current one when triggered during it, never two at once", async () => {
    const triggers: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    loop = new ControllerLoop({
      intervalMs: 60_000,
      pass: async (trigger) => {
        triggers.push(trigger);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await sleep(40);
        inFlight--;
        return "ok";
      },
    });
    loop.start();
    await until(() => triggers.length === 1);
    expect(loop.trigger("webhook 1")).toBe(true);
    expect(loop.trigger("webhook 2")).toBe(true);
    await until(() => triggers.length === 2);
    await sleep(80);
    // Two triggers during one pass coalesce into a single follow-up pass.
    expect(triggers).toEqual(["start", "webhook 2"]);
    expect(maxInFlight).toBe(1);
  });

  it.each([
    [0, [1000, 2000, 4000, 5000, 5000]],
    // Up to one base delay of jitter on top, never beyond the interval.
    [0.999999, [1999, 2999, 4999, 5000, 5000]],
  ])(
    "retries a failed pass with exponential backoff capped at the interval (random %s)",
    (r, expected) => {
      loop = new ControllerLoop({
        intervalMs: 5000,
        minBackoffMs: 1000,
        random: () => r,
        pass: () => Promise.resolve("ok"),
      });
      const delays: number[] = [];
      const l = loop as unknown as { failures: number; nextDelayMs(o: PassOutcome): number };
      for (let failures = 1; failures <= 5; failures++) {
        l.failures = failures;
        delays.push(Math.round(l.nextDelayMs("retry")));
      }
      expect(delays).toEqual(expected);
      l.failures = 0;
      expect(l.nextDelayMs("ok")).toBeGreaterThanOrEqual(5000 * 0.9);
      expect(l.nextDelayMs("ok")).toBeLessThanOrEqual(5000 * 1.1);
    },
  );

  it("keeps going after a pass throws, and stop() waits for the pass in flight", async () => {
    let passes = 0;
    let finished = 0;
    const crashes: unknown[] = [];
    loop = new ControllerLoop({
      intervalMs: 60_000,
      minBackoffMs: 10,
      pass: async () => {
        passes++;
        if (passes === 1) throw new Error("boom");
        await sleep(50);
        finished++;
        return "ok";
      },
      onCrash: (error) => crashes.push(error),
    });
    loop.start();
    await until(() => passes === 2);
    await loop.stop();
    expect(finished).toBe(1);
    expect(crashes).toHaveLength(1);
    expect(loop.trigger("late")).toBe(false);
    await sleep(30);
    expect(passes).toBe(2);
  });
});
