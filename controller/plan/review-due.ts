import type { DesiredAccessReview, DesiredOrganization, DesiredState } from "../model/index.js";
import { formatDuration } from "../model/index.js";
import type { PlanBuilder } from "./builder.js";

export interface ReviewDue {
  org: string;
  /** Epoch ms when the next review is due; `now` itself when none was ever recorded. */
  dueAt: number;
  /** `spec.reviews.every`, in seconds. */
  everySeconds: number;
  /** The latest AccessReview's `reviewedAt`, if any. */
  latest?: string;
  reviewer?: string;
}

/**
 * The latest AccessReview dated at or before `now`. A review dated later has not happened yet:
 * counting it would postpone every reminder until that date (a typo of a year silences them).
 */
export function latestReview(
  org: DesiredOrganization,
  now: number,
): DesiredAccessReview | undefined {
  return org.reviews?.findLast((r) => Date.parse(r.reviewedAt) <= now);
}

/** When `spec.reviews.every` asks for the next access review; undefined without that setting. */
export function reviewDue(org: DesiredOrganization, now: number): ReviewDue | undefined {
  const every = org.lifecycle?.reviewEverySeconds;
  if (every === undefined) return undefined;
  const latest = latestReview(org, now);
  if (latest === undefined) return { org: org.name, dueAt: now, everySeconds: every };
  return {
    org: org.name,
    dueAt: Date.parse(latest.reviewedAt) + every * 1000,
    everySeconds: every,
    latest: latest.reviewedAt,
    reviewer: latest.reviewer,
  };
}

/** Every organization's review deadline, for `roster_access_review_due_seconds{org}`. */
export function reviewsDue(desired: DesiredState, now: number): ReviewDue[] {
  const out: ReviewDue[] = [];
  for (const org of desired.organizations) {
    const due = reviewDue(org, now);
    if (due) out.push(due);
  }
  return out;
}

/** A warning when the latest AccessReview is older than `spec.reviews.every`. */
export function warnReviewDue(
  org: DesiredOrganization,
  now: number | undefined,
  out: PlanBuilder,
): void {
  if (now === undefined) return;
  const due = reviewDue(org, now);
  if (due === undefined || due.dueAt > now) return;
  const every = formatDuration(due.everySeconds);
  out.warn({
    org: org.name,
    code: "access-review-due",
    message:
      due.latest === undefined
        ? `${org.name} has no AccessReview; spec.reviews.every asks for one every ${every}`
        : `${org.name}'s latest access review (${due.latest}, by ${due.reviewer ?? "?"}) is older than ${every}: a review has been due since ${new Date(due.dueAt).toISOString()}`,
  });
}
