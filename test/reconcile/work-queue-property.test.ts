import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { WorkOutcome } from "../../controller/reconcile/work-queue.js";
import { WorkQueue } from "../../controller/reconcile/work-queue.js";
import { waitFor } from "../kubernetes/helpers.js";

const KEYS = ["a", "b", "c"] as const;
type Key = (typeof KEYS)[number];
type Answer = "done" | "retry" | "after" | "throw";

const BASE_MS = 1;
const CAP_MS = 8;

const command = fc.oneof(
  fc.record({ op: fc.constant("add" as const), key: fc.constantFrom(...KEYS) }),
  fc.record({
    op: fc.constant("addAfter" as const),
    key: fc.constantFrom(...KEYS),
    ms: fc.integer({ min: 0, max: 6 }),
  }),
  fc.record({ op: fc.constant("yield" as const) }),
);

const scenario = fc.record({
  commands: fc.array(command, { minLength: 1, maxLength: 30 }),
  // What the handler answers for each key, call after call; then always done (so it ends).
  answers: fc.record({
    a: fc.array(fc.constantFrom<Answer>("done", "retry", "after", "throw"), { maxLength: 6 }),
    b: fc.array(fc.constantFrom<Answer>("done", "retry", "after", "throw"), { maxLength: 6 }),
    c: fc.array(fc.constantFrom<Answer>("done", "retry", "after", "throw"), { maxLength: 6 }),
  }),
  concurrency: fc.integer({ min: 1, max: 3 }),
  jitter: fc.array(fc.double({ min: 0, max: 0.999, noNaN: true }), { minLength: 1, maxLength: 8 }),
});

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("WorkQueue, model-based", () => {
  it("never runs a key twice at once, processes every key added, backs off monotonically to the cap", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ commands, answers, concurrency, jitter }) => {
        let draws = 0;
        const running = new Set<Key>();
        const violations: string[] = [];
        // When each key was last asked for, and when it last started: every request is followed by
        // a start (of several delays pending for one key the earliest wins, so not "after ms").
        const askedAt = new Map<Key, number>();
        const startedAt = new Map<Key, number>();
        // The backoff delays each key's consecutive failures were given.
        const backoffs = new Map<Key, number[]>();
        const left = { a: [...answers.a], b: [...answers.b], c: [...answers.c] };
        const ask = (key: Key) => askedAt.set(key, performance.now());

        const queue: WorkQueue = new WorkQueue(
          async (k) => {
            const key = k as Key;
            if (running.has(key)) violations.push(`${key} processed twice at once`);
            running.add(key);
            startedAt.set(key, performance.now());
            await tick();
            running.delete(key);
            const answer = left[key].shift() ?? "done";
            if (answer === "retry" || answer === "throw") {
              const delay = queue.backoffFor(key);
              const list = backoffs.get(key) ?? [];
              list.push(delay);
              backoffs.set(key, list);
              // Failure n waits at least base·2ⁿ⁻¹, more than the one before it, never past the cap.
              const floor = Math.min(CAP_MS, BASE_MS * 2 ** (list.length - 1));
              if (delay < floor || delay > CAP_MS)
                violations.push(`delay ${delay} of failure ${list.length}`);
              if (list.length > 1 && delay < list.at(-2)!)
                violations.push(`delays ${list.join(",")} shrank`);
              ask(key);
              if (answer === "throw") throw new Error("handler failed");
              return { kind: "retry" } satisfies WorkOutcome;
            }
            backoffs.delete(key);
            if (answer === "after") {
              ask(key);
              return { kind: "after", ms: 2 };
            }
            return { kind: "done" };
          },
          {
            concurrency,
            baseDelayMs: BASE_MS,
            maxDelayMs: CAP_MS,
            random: () => jitter[draws++ % jitter.length]!,
          },
        );
        queue.start();
        for (const c of commands) {
          if (c.op === "add") {
            ask(c.key);
            queue.add(c.key);
          } else if (c.op === "addAfter") {
            ask(c.key);
            queue.addAfter(c.key, c.ms);
          } else {
            await tick();
          }
        }
        // Every key asked for is processed at or after the instant it was asked for.
        await waitFor(
          () =>
            [...askedAt].every(([key, at]) => (startedAt.get(key) ?? -1) >= at) &&
            running.size === 0,
          3_000,
          "every asked key processed",
        );
        await queue.stop();
        expect(violations).toEqual([]);
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
