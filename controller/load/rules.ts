/** Every rule id an issue can carry, with what it checks (documented in docs/resources.md). */
export const VALIDATION_RULES = {
  "yaml-syntax": "the file is not valid YAML",
  "duplicate-key": "a key appears twice in one mapping",
  "yaml-aliases": "anchors and aliases expand beyond the limit (alias bomb)",
  "yaml-depth": "a document nests deeper than the limit",
  "file-too-large": "a file is over 10 MiB and was not read",
  "unknown-api-version": "apiVersion is not roster.workjet.io/v1alpha1",
  "unknown-kind": "kind is not Organization, Member or AccessReview",
  schema: "a field is missing, unknown, of the wrong type or not in the allowed form",
  "unknown-role": "a role that is not owner, admin or member (R1)",
  "invalid-email": "spec.email is not an email address",
  "auto-provisioning-role": "auto-provisioning grants owner (R2, R8)",
  "duplicate-name": "two resources of one kind share metadata.name",
  "duplicate-member": "one email twice in an organization (case-insensitive)",
  "duplicate-github":
    "one GitHub login for two members of an organization (case-insensitive): PR checks could not tell who approved",
  "unknown-organization": "a Member names an organization that is not declared",
  "R2-no-owner": "an organization has no owner",
  "R2-multiple-owners": "an organization has more than one owner",
  "external-member":
    "an email outside the organization's domains (warning; error with allowExternal: false)",
  "empty-source": "the source declares no resources",
  "owner-expires": "the owner declares spec.expiresAt (R2: the organization would lose its owner)",
  "review-reviewer": "an AccessReview's reviewer is not the owner or an admin of its organization",
  expired: "a Member's spec.expiresAt is already past (warning: the controller revokes them)",
} as const;

export type ValidationRule = keyof typeof VALIDATION_RULES;
