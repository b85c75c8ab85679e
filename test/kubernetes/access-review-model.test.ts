import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubernetesController } from "../../controller/cli/kubernetes/controller.js";
import { loadDesiredState } from "../../controller/load/index.js";
import { Harness } from "./harness.js";
import { waitFor } from "./helpers.js";

const DAY = 86_400_000;
const PEOPLE = { alice: "owner", bob: "admin", carol: "member" } as const;
/** dave is declared nowhere: a review by him is as wrong as one by carol. */
type Reviewer = keyof typeof PEOPLE | "dave";

type Op =
  | { kind: "review"; reviewer: Reviewer; ageDays: number }
  | { kind: "delete"; pick: number }
  | { kind: "advance"; days: number }
  | { kind: "every"; every: "30d" | "90d" | null };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("review" as const),
    reviewer: fc.constantFrom<Reviewer>("alice", "bob", "bob", "carol", "dave"),
    ageDays: fc.integer({ min: 0, max: 120 }),
  }),
  fc.record({ kind: fc.constant("delete" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("advance" as const), days: fc.integer({ min: 1, max: 100 }) }),
  fc.record({
    kind: fc.constant("every" as const),
    every: fc.constantFrom<"30d" | "90d" | null>("30d", "90d", null),
  }),
);

interface Model {
  org: string;
  clock: number;
  every: "30d" | "90d" | null;
  reviews: { name: string; reviewer: string; reviewedAt: string }[];
}

/** What files mode concludes from the same declarations at the same instant. */
function filesMode(model: Model) {
  const docs = [
    "apiVersion: roster.workjet.io/v1alpha1\nkind: Organization\n" +
      `metadata: { name: ${model.org} }\n` +
      `spec: { domains: [${model.org}.example]${model.every ? `, reviews: { every: ${model.every} }` : ""} }`,
    ...Object.entries(PEOPLE).map(
      ([name, role]) =>
        "apiVersion: roster.workjet.io/v1alpha1\nkind: Member\n" +
        `metadata: { name: ${model.org}-${name} }\n` +
        `spec: { organization: ${model.org}, email: ${name}@${model.org}.example, role: ${role} }`,
    ),
    ...model.reviews.map(
      (r) =>
        "apiVersion: roster.workjet.io/v1alpha1\nkind: AccessReview\n" +
        `metadata: { name: ${r.name} }\n` +
        `spec: { organization: ${model.org}, reviewer: ${r.reviewer}, reviewedAt: "${r.reviewedAt}" }`,
    ),
  ];
  return loadDesiredState(
    { revision: "1", files: [{ path: "acme.yaml", text: docs.join("\n---\n") }], oversized: [] },
    { now: new Date(model.clock) },
  );
}

let h: Harness;
let controller: KubernetesController;
let clock = 0;
beforeAll(async () => {
  h = await new Harness().start();
  controller = await h.controller({ now: () => new Date(clock) });
});
afterAll(async () => {
  await h.close();
});

/** Runs `change` and waits for the reconcile it causes to finish (every change causes one). */
async function reconciled(change: () => Promise<void>): Promise<void> {
  const before = controller.stats.reconciles;
  await change();
  await waitFor(() => controller.stats.reconciles > before, 10_000, "a reconcile");
  await controller.whenIdle();
}

describe("Kubernetes mode reads AccessReviews exactly as files mode does (model-based)", () => {
  it("for any sequence of reviews, deletions, clock moves and period changes", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 6 }), async (ops) => {
        run++;
        const org = `m${run}`;
        // Each run its own organization in the same cluster: runs do not see each other.
        const model: Model = {
          org,
          clock: Date.parse("2026-06-01T00:00:00Z"),
          every: "90d",
          reviews: [],
        };
        clock = model.clock;
        await reconciled(async () => {
          await h.createOrg(org, { domains: [`${org}.example`], reviews: { every: "90d" } });
        });
        for (const [name, role] of Object.entries(PEOPLE)) {
          await reconciled(() =>
            h.kube.custom
              .createNamespacedCustomObject({
                group: "roster.workjet.io",
                version: "v1alpha1",
                namespace: "team",
                plural: "members",
                body: {
                  apiVersion: "roster.workjet.io/v1alpha1",
                  kind: "Member",
                  metadata: { name: `${org}-${name}` },
                  spec: { organization: org, email: `${name}@${org}.example`, role },
                },
              })
              .then(() => undefined),
          );
        }
        for (const [i, step] of ops.entries()) {
          if (step.kind === "review") {
            const review = {
              name: `${org}-r${i}`,
              reviewer: `${step.reviewer}@${org}.example`,
              reviewedAt: new Date(model.clock - step.ageDays * DAY).toISOString(),
            };
            model.reviews.push(review);
            await reconciled(async () => {
              await h.createAccessReview(review.name, {
                organization: org,
                reviewer: review.reviewer,
                reviewedAt: review.reviewedAt,
              });
            });
          } else if (step.kind === "delete") {
            if (model.reviews.length === 0) continue;
            const [gone] = model.reviews.splice(step.pick % model.reviews.length, 1);
            await reconciled(() => h.delete("accessreviews", gone!.name));
          } else if (step.kind === "advance") {
            model.clock += step.days * DAY;
            clock = model.clock;
            await reconciled(() => Promise.resolve(controller.resync()));
          } else {
            if (step.every === model.every) continue;
            model.every = step.every;
            await reconciled(() =>
              h.patchSpec("organizations", org, {
                reviews: step.every ? { every: step.every } : null,
              }),
            );
          }
          expectSame(model);
        }
      }),
      { numRuns: 25, endOnFailure: true },
    );
  }, 240_000);
});

function expectSame(model: Model): void {
  const object = h.org(model.org);
  const files = filesMode(model);
  const context = JSON.stringify(model);
  const errors = files.issues.filter((i) => i.severity === "error");
  if (errors.length > 0) {
    const stalled = h.condition(object, "Stalled");
    expect(stalled?.status, context).toBe("True");
    for (const e of errors) expect(stalled?.message, context).toContain(e.message);
    return;
  }
  expect(h.condition(object, "Stalled")?.status, context).toBe("False");
  const declared = files.state?.organizations[0];
  const every = declared?.lifecycle?.reviewEverySeconds;
  const condition = h.condition(object, "AccessReviewDue");
  const status = object?.status as { accessReview?: Record<string, unknown> } | undefined;
  if (every === undefined) {
    expect(condition, context).toBeUndefined();
    expect(status?.accessReview, context).toBeUndefined();
    return;
  }
  const latest = declared?.reviews?.at(-1);
  const overdue =
    latest === undefined || Date.parse(latest.reviewedAt) + every * 1000 <= model.clock;
  expect(condition?.status, context).toBe(overdue ? "True" : "False");
  expect(status?.accessReview?.lastReviewedAt, context).toBe(latest?.reviewedAt);
  expect(status?.accessReview?.lastReviewer, context).toBe(latest?.reviewer);
  expect(h.condition(object, "Ready")?.status, context).toBe("True");
}
