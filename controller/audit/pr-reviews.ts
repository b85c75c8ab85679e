import type { DesiredAccessReview, DesiredState, PolicyChange } from "../model/index.js";
import type { MembershipState } from "./membership-diff.js";

/** One AccessReview added, edited or deleted by a pull request (by `metadata.name`). */
export interface ReviewDiff {
  name: string;
  change: "reviewAdded" | "reviewChanged" | "reviewRemoved";
  /** The reviewer before (null when added) and after (null when removed). */
  from: string | null;
  to: string | null;
  policy: PolicyChange;
}

/** org → review name → review; empty for a bare membership state (it carries no reviews). */
export function reviewsOf(
  declared: DesiredState | MembershipState,
): Map<string, Map<string, DesiredAccessReview>> {
  const out = new Map<string, Map<string, DesiredAccessReview>>();
  if (declared instanceof Map) return out;
  for (const org of declared.organizations) {
    out.set(org.name, new Map((org.reviews ?? []).map((r) => [r.name, r])));
  }
  return out;
}

/**
 * What a reviewer signs is the whole review: a new one, or any field edited (a later date
 * postpones the next review as surely as a new review does), is signed by the reviewer it names
 * at head. A deleted review is withdrawn evidence.
 */
export function reviewDiffs(
  before: ReadonlyMap<string, DesiredAccessReview> | undefined,
  after: ReadonlyMap<string, DesiredAccessReview> | undefined,
): ReviewDiff[] {
  const out: ReviewDiff[] = [];
  for (const [name, review] of after ?? []) {
    const was = before?.get(name);
    if (was && same(was, review)) continue;
    out.push({
      name,
      change: was ? "reviewChanged" : "reviewAdded",
      from: was?.reviewer ?? null,
      to: review.reviewer,
      policy: { kind: "signReview", reviewer: review.reviewer },
    });
  }
  for (const [name, review] of before ?? []) {
    if (after?.has(name)) continue;
    out.push({
      name,
      change: "reviewRemoved",
      from: review.reviewer,
      to: null,
      policy: { kind: "withdrawReview" },
    });
  }
  return out;
}

function same(a: DesiredAccessReview, b: DesiredAccessReview): boolean {
  return (
    a.reviewer === b.reviewer &&
    a.reviewedAt === b.reviewedAt &&
    a.scope === b.scope &&
    a.notes === b.notes
  );
}
