import { afterEach, describe, expect, it, vi } from "vitest";
import { ControllerLoop } from "../../controller/reconcile/index.js";

const DAY_MS = 24 * 60 * 60 * 1000;
/** Node fires a timer longer than this after 1 ms (TimeoutOverflowWarning). */
const MAX_TIMER_MS = 2 ** 31 - 1;

describe("ControllerLoop with an interval longer than a Node timer holds", () => {
  let loop: ControllerLoop | undefined;
  afterEach(async () => {
    await loop?.stop();
    vi.restoreAllMocks();
  });

  it("--interval 30d never asks for a timer Node would fire at once (a pass per millisecond)", async () => {
    const delays: number[] = [];
    const real = globalThis.setTimeout;
    vi.spyOn(globalThis, "setTimeout").mockImplementation(((handler: () => void, ms?: number) => {
      delays.push(ms ?? 0);
      return real(handler, ms);
    }) as typeof setTimeout);
    let passes = 0;
    loop = new ControllerLoop({
      intervalMs: 30 * DAY_MS,
      pass: () => {
        passes++;
        return Promise.resolve("ok");
      },
    });
    loop.start();
    // The start pass, then the loop schedules the next one.
    const deadline = Date.now() + 5000;
    while (delays.filter((d) => d > 0).length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => real(resolve, 5));
    }
    expect(passes).toBeGreaterThanOrEqual(1);
    const scheduled = delays.filter((d) => d > 1000);
    expect(scheduled.length).toBeGreaterThan(0);
    expect(Math.max(...scheduled)).toBeLessThanOrEqual(MAX_TIMER_MS);
  });
});
