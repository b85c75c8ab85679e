/** The API group and version of Roster's custom resources (DESIGN "Resources"). */
export const GROUP = "roster.workjet.io";
export const VERSION = "v1alpha1";
export const ORGANIZATIONS = "organizations";
export const MEMBERS = "members";
export const ACCESS_REVIEWS = "accessreviews";

/**
 * Held on every Member until its removal is applied in the backend: deleting the resource must
 * revoke access (R6) before Kubernetes forgets it.
 */
export const MEMBER_FINALIZER = "roster.workjet.io/revoke-access";

/** Held on every Organization so `spec.deletionPolicy` is honoured before the object goes. */
export const ORGANIZATION_FINALIZER = "roster.workjet.io/deletion-policy";

/** `reportingController` / `source.component` of the Events we record. */
export const CONTROLLER_NAME = "roster-controller";
