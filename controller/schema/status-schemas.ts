import type { StructuralSchema } from "./structural.js";

// The status subresource of each kind: what the Kubernetes controller writes, and all of it
// (a real API server prunes any status field its CRD does not declare).

const timestamp = (description: string): StructuralSchema => ({
  type: "string",
  format: "date-time",
  description,
});
const generation = (description: string): StructuralSchema => ({
  type: "integer",
  format: "int64",
  minimum: 0,
  description,
});

/** The kstatus condition shape (metav1.Condition). */
const CONDITIONS: StructuralSchema = {
  type: "array",
  description:
    "Ready, Reconciling and Stalled, following the kstatus convention; an Organization with spec.reviews.every also has AccessReviewDue.",
  "x-kubernetes-list-type": "map",
  "x-kubernetes-list-map-keys": ["type"],
  items: {
    type: "object",
    required: ["type", "status"],
    properties: {
      type: {
        type: "string",
        maxLength: 316,
        description: "Ready, Reconciling, Stalled, or AccessReviewDue (Organization).",
      },
      status: { type: "string", enum: ["True", "False", "Unknown"] },
      reason: {
        type: "string",
        maxLength: 1024,
        description: "A CamelCase machine-readable reason.",
      },
      message: { type: "string", maxLength: 32768, description: "A human-readable explanation." },
      lastTransitionTime: timestamp("When the status last changed."),
      observedGeneration: generation("The generation this condition was computed from."),
    },
  },
};

export const ORGANIZATION_STATUS: StructuralSchema = {
  type: "object",
  description: "What the controller observed and did, written by the controller only.",
  properties: {
    conditions: CONDITIONS,
    observedGeneration: generation("The metadata.generation last reconciled."),
    lastSyncedAt: timestamp("When the backend was last brought in line."),
    owner: { type: "string", description: "The owner's email in the backend." },
    members: { type: "integer", minimum: 0, description: "Active members in the backend." },
    pendingInvites: { type: "integer", minimum: 0, description: "Invitations not yet accepted." },
    blockedSteps: {
      type: "integer",
      minimum: 0,
      description: "Plan steps that cannot run yet (waiting for an invite, refused by R4/R5).",
    },
    ready: { type: "boolean", description: "True when the backend matches the declared state." },
    warnings: {
      type: "array",
      description:
        "The last plan's warnings, as `roster plan` prints them: members expiring within spec.expiry.warnBefore (expiring-soon), an overdue access review (access-review-due)…",
      items: {
        type: "object",
        required: ["code", "message"],
        properties: {
          code: { type: "string", description: "e.g. expiring-soon, access-review-due." },
          email: { type: "string", description: "The member the warning is about, if any." },
          message: { type: "string", maxLength: 1024 },
        },
      },
    },
    accessReview: {
      type: "object",
      description:
        "With spec.reviews.every: the latest AccessReview and when the next is due (the AccessReviewDue condition says whether it is overdue).",
      properties: {
        every: { type: "string", description: "spec.reviews.every, e.g. 90d." },
        dueAt: timestamp("When the next review is due; absent when none was ever recorded."),
        lastReviewedAt: timestamp("spec.reviewedAt of the latest valid AccessReview."),
        lastReviewer: { type: "string", description: "Its reviewer (the owner or an admin)." },
      },
    },
  },
};

export const ACCESS_REVIEW_STATUS: StructuralSchema = {
  type: "object",
  description: "Written by the controller only.",
  properties: {
    conditions: CONDITIONS,
    observedGeneration: generation("The metadata.generation last read."),
  },
};

export const MEMBER_STATUS: StructuralSchema = {
  type: "object",
  description: "The member's state in the backend, written by the controller only.",
  properties: {
    phase: {
      type: "string",
      enum: ["Invited", "Active", "Blocked", "Removing"],
      description: "Invited (invite sent), Active, Blocked (a step cannot run), Removing.",
    },
    conditions: CONDITIONS,
    observedGeneration: generation("The metadata.generation last reconciled."),
    invitedAt: timestamp("When the current invitation was sent."),
    joinedAt: timestamp("When the member accepted and became active."),
  },
};
