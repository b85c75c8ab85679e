import type { Condition, ConditionInput } from "../../adapters/kubernetes/conditions.js";
import type { RecordedEvent } from "../../adapters/kubernetes/events.js";
import type { RosterObject } from "../../adapters/kubernetes/objects.js";
import { formatDuration } from "../../model/index.js";
import type { ReviewDueAt } from "../../reconcile/types.js";

const ACCESS_REVIEW_DUE = "AccessReviewDue";

/**
 * The `AccessReviewDue` condition of an Organization with `spec.reviews.every`: True (reason
 * `ReviewOverdue`) once the period has passed since the latest AccessReview, or when none was
 * ever recorded; False (`ReviewCurrent`) before. It follows the "abnormal-true" polarity of
 * kstatus's own types, and it is an extra type: kstatus (sigs.k8s.io/cli-utils
 * pkg/kstatus/status, checkGenericProperties) reads only `Reconciling` and `Stalled`, and our
 * `Ready` is not derived from it, so a late review never makes the Organization un-Ready,
 * InProgress or Failed: access is as declared, an audit obligation is late. The message holds
 * no clock reading, so it changes only when a review or the period does (one Event, below).
 */
function reviewCondition(due: ReviewDueAt, now: Date): ConditionInput {
  const every = formatDuration(due.everySeconds);
  if (due.latest === undefined) {
    return {
      type: ACCESS_REVIEW_DUE,
      status: "True",
      reason: "ReviewOverdue",
      message: `no AccessReview recorded; spec.reviews.every asks for one every ${every}`,
    };
  }
  const by = `${due.latest}, by ${due.reviewer ?? "?"}`;
  if (Date.parse(due.dueAt) <= now.getTime()) {
    return {
      type: ACCESS_REVIEW_DUE,
      status: "True",
      reason: "ReviewOverdue",
      message: `the latest access review (${by}) is older than ${every}: a review has been due since ${due.dueAt}`,
    };
  }
  return {
    type: ACCESS_REVIEW_DUE,
    status: "False",
    reason: "ReviewCurrent",
    message: `the latest access review (${by}) is within ${every}; the next is due by ${due.dueAt}`,
  };
}

/**
 * The condition to write: computed when the pass read the spec (`due`; `null` when the spec asks
 * for no reviews, so the condition goes), else the previous one kept as it was (the pass could
 * not tell: invalid resources, an Organization being deleted).
 */
export function reviewConditionOf(
  org: RosterObject,
  due: ReviewDueAt | null | undefined,
  now: Date,
): ConditionInput | undefined {
  if (due === null) return undefined;
  if (due !== undefined) return reviewCondition(due, now);
  const previous = previousCondition(org);
  if (previous === undefined) return undefined;
  const { type, status, reason, message } = previous;
  return { type, status, reason, message };
}

/** `status.accessReview`: the same facts as fields, for `kubectl get -o jsonpath`. */
export function reviewStatusField(due: ReviewDueAt | null | undefined): unknown {
  if (due === undefined) return undefined; // not known this pass: keep what the status says
  if (due === null) return null; // a merge patch deletes the field
  // Nulls delete what an earlier review left; with no review at all, nothing is "due at" a date.
  const none = due.latest === undefined;
  return {
    every: formatDuration(due.everySeconds),
    dueAt: none ? null : due.dueAt,
    lastReviewedAt: due.latest ?? null,
    lastReviewer: due.reviewer ?? null,
  };
}

/**
 * One Warning when a review becomes overdue: the previous status did not say so. A resync of an
 * org that stays overdue records nothing (and the recorder drops a repeat inside its window, for
 * a pass that ran before our own status write came back through the watch).
 */
export function reviewOverdueEvents(
  org: RosterObject,
  next: ConditionInput | undefined,
): RecordedEvent[] {
  if (next?.status !== "True" || previousCondition(org)?.status === "True") return [];
  return [
    {
      kind: "Organization",
      object: org,
      type: "Warning",
      reason: "ReviewOverdue",
      message: next.message,
    },
  ];
}

function previousCondition(org: RosterObject): Condition | undefined {
  const conditions = org.status?.conditions;
  if (!Array.isArray(conditions)) return undefined;
  return (conditions as Condition[]).find((c) => c?.type === ACCESS_REVIEW_DUE);
}
