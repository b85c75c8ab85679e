import { describe, expect, it, vi } from "vitest";
import type { WorkOutcome } from "../../controller/reconcile/work-queue.js";
import { WorkQueue } from "../../controller/reconcile/work-queue.js";
import { waitFor } from "../kubernetes/helpers.js";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("WorkQueue", () => {
  it("processes a key added many times while waiting once", async () => {
    const seen: string[] = [];
    const queue = new WorkQueue(
      (key) => {
        seen.push(key);
        return Promise.resolve<WorkOutcome>({ kind: "done" });
      },
      { concurrency: 1 },
    );
    for (const key of ["acme", "beta", "acme", "acme", "beta"]) queue.add(key);
    expect(queue.length).toBe(2);
    queue.start();
    await queue.whenIdle();
    expect(seen).toEqual(["acme", "beta"]);
    await queue.stop();
  });

  it("never runs one key twice at once, and reruns a key added while it ran", async () => {
    const gate = deferred();
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const queue = new WorkQueue(
      async () => {
        running++;
        runs++;
        maxRunning = Math.max(maxRunning, running);
        if (runs === 1) await gate.promise;
        running--;
        return { kind: "done" };
      },
      { concurrency: 4 },
    );
    queue.start();
    queue.add("acme");
    await waitFor(() => runs === 1);
    queue.add("acme");
    queue.add("acme");
    expect(runs).toBe(1);
    gate.resolve();
    await waitFor(() => runs === 2);
    await queue.whenIdle();
    expect(runs).toBe(2);
    expect(maxRunning).toBe(1);
    await queue.stop();
  });

  it("runs distinct keys up to the concurrency limit", async () => {
    const gate = deferred();
    let running = 0;
    let maxRunning = 0;
    const queue = new WorkQueue(
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await gate.promise;
        running--;
        return { kind: "done" };
      },
      { concurrency: 2 },
    );
    queue.start();
    for (const key of ["a", "b", "c", "d"]) queue.add(key);
    await waitFor(() => running === 2);
    expect(queue.length).toBe(2);
    gate.resolve();
    await queue.whenIdle();
    expect(maxRunning).toBe(2);
    await queue.stop();
  });

  it("backs off per key from 5 ms, doubling to the cap, and forgets on success", async () => {
    let calls = 0;
    const times: number[] = [];
    const queue = new WorkQueue(
      () => {
        times.push(Date.now());
        calls++;
        if (calls <= 3) throw new Error("backend 503");
        return Promise.resolve({ kind: "done" } as const);
      },
      { concurrency: 1, maxDelayMs: 15, random: () => 0 },
    );
    expect(queue.backoffFor("acme")).toBe(5);
    queue.start();
    queue.add("acme");
    await waitFor(() => calls === 4);
    await queue.whenIdle();
    expect(queue.failureCount("acme")).toBe(0);
    // 5, 10, then capped at 15 ms: the gaps only grow, and never beyond the cap by much.
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    expect(gaps[0]).toBeGreaterThanOrEqual(4);
    expect(gaps[1]).toBeGreaterThanOrEqual(9);
    expect(gaps[2]).toBeGreaterThanOrEqual(14);
    await queue.stop();
  });

  it.each([
    [0, [5, 10, 20, 30, 30]],
    // The jitter adds up to one base delay and never passes the cap.
    [0.999, [9, 14, 24, 30, 30]],
  ])("reports the doubling delays up to the cap (random %s)", async (r, expected) => {
    const delays: number[] = [];
    const queue: WorkQueue = new WorkQueue(
      () => {
        // The delay that follows this failure: 5 · 2^failures so far + jitter, capped.
        delays.push(queue.backoffFor("k"));
        return Promise.reject(new Error("down"));
      },
      { concurrency: 1, baseDelayMs: 5, maxDelayMs: 30, random: () => r },
    );
    queue.start();
    queue.add("k");
    await waitFor(() => delays.length >= 5);
    await queue.stop();
    expect(delays.slice(0, 5)).toEqual(expected);
  });

  it("refuses a concurrency below one", () => {
    expect(
      () => new WorkQueue(() => Promise.resolve({ kind: "done" }), { concurrency: 0 }),
    ).toThrow(/positive integer/);
  });

  it("waits for a delay longer than a Node timer holds instead of firing at once", async () => {
    const asked: number[] = [];
    const real = globalThis.setTimeout;
    const spy = vi.spyOn(globalThis, "setTimeout").mockImplementation(((
      handler: () => void,
      ms?: number,
    ) => {
      asked.push(ms ?? 0);
      return real(handler, ms);
    }) as typeof setTimeout);
    let runs = 0;
    const queue = new WorkQueue(
      () => {
        runs++;
        return Promise.resolve<WorkOutcome>({ kind: "done" });
      },
      { concurrency: 1 },
    );
    try {
      queue.start();
      // An expiry 30 days ahead: Node would fire a 30-day timer after 1 ms, a reconcile per ms.
      queue.addAfter("acme", 30 * 24 * 3600_000);
      expect(asked).toEqual([2 ** 31 - 1]);
      expect(runs).toBe(0);
    } finally {
      spy.mockRestore();
      await queue.stop();
    }
  });
});
