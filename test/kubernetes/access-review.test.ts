import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { KubernetesController } from "../../controller/cli/kubernetes/controller.js";
import { loadDesiredState } from "../../controller/load/index.js";
import { Harness, NS } from "./harness.js";
import { waitFor } from "./helpers.js";
import { kstatus } from "./kstatus-reading.js";

const DAY = 86_400_000;

let h: Harness;
/** The controller's clock (expiries, review deadlines): moved by the tests, never waited for. */
let clock: number;
/** A deadline months away must not overflow a timer into a reconcile every millisecond. */
const warnings: string[] = [];
const onWarning = (w: Error) => warnings.push(w.name);
beforeEach(async () => {
  warnings.length = 0;
  process.on("warning", onWarning);
  h = await new Harness().start();
  clock = Math.floor(Date.now() / 1000) * 1000;
});
afterEach(async () => {
  process.off("warning", onWarning);
  await h.close();
  expect(warnings).not.toContain("TimeoutOverflowWarning");
});

const iso = (ms: number) => new Date(ms).toISOString();
const start = (extra: Parameters<Harness["controller"]>[0] = {}) =>
  h.controller({ now: () => new Date(clock), ...extra });

/** One full pass of every organization, finished (no waiting on time). */
async function pass(controller: KubernetesController): Promise<void> {
  controller.resync();
  await controller.whenIdle();
}

const reviewDue = () => h.condition(h.org(), "AccessReviewDue");
const status = () => h.org()?.status as Record<string, unknown> | undefined;

async function acme(spec: Record<string, unknown> = { reviews: { every: "90d" } }) {
  await h.createOrg("acme", spec);
  await h.createMember("alice", "owner");
  await h.createMember("bob", "admin");
  await h.createMember("carol", "member");
}

describe("AccessReviews in the cluster feed the review deadline, as files do", () => {
  it("an AccessReview clears AccessReviewDue, time makes it overdue once, deleting it brings it back; Ready holds", async () => {
    await acme();
    const controller = await start();
    await waitFor(() => reviewDue()?.status === "True", 10_000, "AccessReviewDue=True");
    expect(reviewDue()).toMatchObject({
      reason: "ReviewOverdue",
      message: "no AccessReview recorded; spec.reviews.every asks for one every 90d",
    });
    // Overdue is an audit obligation, not a broken reconcile: Ready stays, kstatus says Current.
    await h.waitForReady();
    expect(kstatus(h.org())).toBe("Current");
    expect(status()?.ready).toBe(true);
    expect(status()?.warnings).toEqual([expect.objectContaining({ code: "access-review-due" })]);
    await waitFor(() => h.events("ReviewOverdue").length === 1, 10_000, "ReviewOverdue Event");

    const reviewedAt = iso(clock - 10 * DAY);
    await h.createAccessReview("q1", { reviewer: "Bob@acme.com", reviewedAt });
    await waitFor(() => reviewDue()?.status === "False", 10_000, "AccessReviewDue=False");
    const dueAt = iso(Date.parse(reviewedAt) + 90 * DAY);
    expect(reviewDue()).toMatchObject({
      reason: "ReviewCurrent",
      message: `the latest access review (${reviewedAt}, by bob@acme.com) is within 90d; the next is due by ${dueAt}`,
    });
    expect(status()?.accessReview).toEqual({
      every: "90d",
      dueAt,
      lastReviewedAt: reviewedAt,
      lastReviewer: "bob@acme.com",
    });
    expect(status()?.warnings).toEqual([]);
    expect(h.condition(h.org(), "Ready")?.status).toBe("True");

    // 81 days later the review is overdue: one Warning, and none on the resyncs that follow.
    clock += 81 * DAY;
    await pass(controller);
    await waitFor(() => reviewDue()?.status === "True", 10_000, "overdue after 81 days");
    expect(reviewDue()).toMatchObject({
      reason: "ReviewOverdue",
      message: `the latest access review (${reviewedAt}, by bob@acme.com) is older than 90d: a review has been due since ${dueAt}`,
    });
    const overdueSince = reviewDue()?.lastTransitionTime;
    await waitFor(() => h.events("ReviewOverdue").length === 2, 10_000, "second Event");
    await pass(controller);
    await pass(controller);
    await h.settle();
    const overdueEvents = h.events("ReviewOverdue");
    expect(overdueEvents.map((e) => e.message).sort()).toEqual([
      "no AccessReview recorded; spec.reviews.every asks for one every 90d",
      `the latest access review (${reviewedAt}, by bob@acme.com) is older than 90d: a review has been due since ${dueAt}`,
    ]);
    expect(overdueEvents.map((e) => e.type)).toEqual(["Warning", "Warning"]);
    expect(reviewDue()?.lastTransitionTime).toBe(overdueSince);
    expect(kstatus(h.org())).toBe("Current");
    expect(h.condition(h.org(), "Ready")?.status).toBe("True");

    // The owner signs a new review: current again. Deleting it: back to bob's, overdue.
    const signed = iso(clock - DAY);
    await h.createAccessReview("q2", { reviewer: "alice@acme.com", reviewedAt: signed });
    await waitFor(() => reviewDue()?.status === "False", 10_000, "current after q2");
    expect(status()?.accessReview).toMatchObject({ lastReviewer: "alice@acme.com" });
    await h.delete("accessreviews", "q2");
    await waitFor(() => reviewDue()?.status === "True", 10_000, "overdue after deleting q2");
    expect(status()?.accessReview).toMatchObject({ lastReviewer: "bob@acme.com", dueAt });
    await h.delete("accessreviews", "q1");
    await waitFor(
      () =>
        reviewDue()?.message ===
        "no AccessReview recorded; spec.reviews.every asks for one every 90d",
      10_000,
      "no review left",
    );
    // Nothing is due "at" a date without any review: the earlier date is deleted, not kept.
    expect(status()?.accessReview).toEqual({ every: "90d" });
    // Reviews change no membership.
    expect(new Set(h.writes().map((w) => w.action))).toEqual(
      new Set(["createOrganization", "invite"]),
    );
  });

  it("the condition flips when the review falls due, without waiting for a resync", async () => {
    await acme();
    // Due 1.5 s from now on the system clock, which this controller reads.
    await h.createAccessReview("q1", {
      reviewer: "alice@acme.com",
      reviewedAt: iso(Date.now() + 1500 - 90 * DAY),
    });
    await start({ now: () => new Date() });
    await waitFor(() => reviewDue()?.status === "False", 10_000, "current at first");
    // resyncPeriodMs is a minute in the harness: only the wake-up at the deadline flips it.
    await waitFor(() => reviewDue()?.status === "True", 10_000, "overdue at the deadline");
  });

  it("a spec without reviews.every has no AccessReviewDue condition; removing it drops the condition", async () => {
    await acme();
    const controller = await start();
    await waitFor(() => reviewDue()?.status === "True", 10_000, "overdue");
    await h.patchSpec("organizations", "acme", { reviews: null });
    await waitFor(() => reviewDue() === undefined, 10_000, "condition gone");
    await pass(controller);
    expect(status()?.accessReview).toBeUndefined();
    expect(h.condition(h.org(), "Ready")?.status).toBe("True");
  });
});

describe("an AccessReview the rules refuse stops the organization, with the files' message", () => {
  it("a member as reviewer: Stalled/Invalid naming the AccessReview, nothing written, the last review condition kept", async () => {
    await acme();
    await h.createAccessReview("q1", { reviewer: "bob@acme.com", reviewedAt: iso(clock - DAY) });
    const controller = await start();
    await waitFor(() => reviewDue()?.status === "False", 10_000, "current");
    const writes = h.writes().length;

    await h.createAccessReview("q2", { reviewer: "carol@acme.com", reviewedAt: iso(clock) });
    await waitFor(() => h.condition(h.org(), "Stalled")?.status === "True", 10_000, "Stalled");
    const files = filesModeMessage("carol@acme.com");
    const stalled = h.condition(h.org(), "Stalled");
    expect(stalled).toMatchObject({ reason: "Invalid" });
    expect(stalled?.message).toBe(`${NS}/AccessReview/q2: review-reviewer: ${files}`);
    expect(kstatus(h.org())).toBe("Failed");
    await waitFor(() => h.events("Invalid").length > 0, 10_000, "Invalid Event");
    expect(h.events("Invalid")[0]?.message).toContain(files);
    // The pass could not read the deadline: what the status said about it stays.
    expect(reviewDue()).toMatchObject({ status: "False", reason: "ReviewCurrent" });
    await pass(controller);
    expect(h.writes()).toHaveLength(writes);

    // Signed by an admin instead: valid, and the newer review counts.
    await h.patchSpec("accessreviews", "q2", { reviewer: "bob@acme.com" });
    await h.waitForReady();
    await waitFor(
      () => (status()?.accessReview as { lastReviewedAt?: string })?.lastReviewedAt === iso(clock),
      10_000,
      "q2 counted",
    );
    expect(h.condition(h.org(), "Stalled")?.status).toBe("False");
  });

  it("an AccessReview the schema rejects stalls the organization, naming its field", async () => {
    await acme();
    // The API server refuses it (422); one can only be in etcd from before the CRD declared
    // reviewedAt a date-time, and is served as stored.
    await expect(
      h.createAccessReview("q1", { reviewer: "alice@acme.com", reviewedAt: "last tuesday" }),
    ).rejects.toThrow(/422/);
    h.server.putStored("accessreviews", {
      apiVersion: "roster.workjet.io/v1alpha1",
      kind: "AccessReview",
      metadata: { name: "q1", namespace: NS },
      spec: { organization: "acme", reviewer: "alice@acme.com", reviewedAt: "last tuesday" },
    });
    await start();
    await waitFor(() => h.condition(h.org(), "Stalled")?.status === "True", 10_000, "Stalled");
    expect(h.condition(h.org(), "Stalled")?.message).toMatch(
      new RegExp(`^${NS}/AccessReview/q1: .*reviewedAt`),
    );
    expect(h.writes()).toEqual([]);
  });

  it("an AccessReview in another namespace than its Organization is Invalid", async () => {
    await acme();
    await h.createAccessReview(
      "q1",
      { reviewer: "alice@acme.com", reviewedAt: iso(clock) },
      "elsewhere",
    );
    await start({ namespace: undefined });
    await waitFor(() => h.condition(h.org(), "Stalled")?.status === "True", 10_000, "Stalled");
    expect(h.condition(h.org(), "Stalled")?.message).toBe(
      `elsewhere/AccessReview/q1: spec.organization acme is declared in namespace ${NS}; an AccessReview must be in the namespace of its Organization`,
    );
    expect(h.writes()).toEqual([]);
  });
});

describe("members whose access ends soon show in the Organization's status", () => {
  it("warned within spec.expiry.warnBefore, in status.warnings and Ready's message, as the clock moves", async () => {
    await acme({ expiry: { warnBefore: "7d" } });
    const expiresAt = iso(clock + 10 * DAY);
    await h.patchSpec("members", "carol", { expiresAt });
    const controller = await start();
    await h.waitForReady();
    expect(status()?.warnings).toEqual([]);
    expect(reviewDue()).toBeUndefined();

    clock += 5 * DAY; // 5 days left: inside the 7-day window
    await pass(controller);
    await waitFor(() => (status()?.warnings as unknown[]).length === 1, 10_000, "warned");
    const message = `carol@acme.com (member) loses access to acme at ${expiresAt}, in 5d`;
    expect(status()?.warnings).toEqual([
      { code: "expiring-soon", email: "carol@acme.com", message },
    ]);
    const ready = h.condition(h.org(), "Ready");
    expect(ready).toMatchObject({ status: "True", reason: "Synced" });
    expect(ready?.message).toContain(`; warning: ${message}`);
    expect(kstatus(h.org())).toBe("Current");
  });
});

/** The message `roster validate` gives for the same resources as files. */
function filesModeMessage(reviewer: string): string {
  const text = [
    "apiVersion: roster.workjet.io/v1alpha1",
    "kind: Organization",
    "metadata: { name: acme }",
    "spec: { domains: [acme.com], reviews: { every: 90d } }",
    ...["alice:owner", "bob:admin", "carol:member"].flatMap((p) => {
      const [name, role] = p.split(":");
      return [
        "---",
        "apiVersion: roster.workjet.io/v1alpha1",
        "kind: Member",
        `metadata: { name: ${name} }`,
        `spec: { organization: acme, email: ${name}@acme.com, role: ${role} }`,
      ];
    }),
    "---",
    "apiVersion: roster.workjet.io/v1alpha1",
    "kind: AccessReview",
    "metadata: { name: q2 }",
    `spec: { organization: acme, reviewer: ${reviewer}, reviewedAt: "${iso(clock)}" }`,
  ].join("\n");
  const loaded = loadDesiredState({
    revision: "1",
    files: [{ path: "acme.yaml", text }],
    oversized: [],
  });
  const issue = loaded.issues.find((i) => i.rule === "review-reviewer");
  if (!issue) throw new Error("files mode accepted the review");
  return issue.message;
}
