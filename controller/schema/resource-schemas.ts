import type { StructuralSchema } from "./structural.js";
import { intOrString } from "./structural.js";

// Patterns are RE2-compatible (no look-around): Kubernetes evaluates them with Go's regexp.
const DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
const DNS_SUBDOMAIN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
const DOMAIN = "^([A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?\\.)+[A-Za-z]{2,}$";
const DURATION = "^([0-9]+[smhdw])+$";
/**
 * `expireAfter`: one number and unit within [1h, 365d] (model/invite-expiry.ts), as a
 * pattern so that the CRDs' API server refuses the same values as `roster validate`:
 * 60–525600m, 1–8760h, 1–365d or 1–52w. A test checks it against the bounds, value by value.
 */
export const INVITE_EXPIRY_PATTERN =
  "^(?:(?:6[0-9]|[7-9][0-9]|[1-9][0-9]{2,4}|[1-4][0-9]{5}|5[01][0-9]{4}|52[0-4][0-9]{3}|525[0-5][0-9]{2}|525600)m" +
  "|(?:[1-9][0-9]{0,2}|[1-7][0-9]{3}|8[0-6][0-9]{2}|87[0-5][0-9]|8760)h" +
  "|(?:[1-9][0-9]?|[12][0-9]{2}|3[0-5][0-9]|36[0-5])d" +
  "|(?:[1-9]|[1-4][0-9]|5[0-2])w)$";
const PERCENT = "^(100|[1-9]?[0-9])%$";
// GitHub logins: letters, digits and hyphens, starting with a letter or digit, at most 39
// characters. Logins created before GitHub's current rules keep trailing and double hyphens
// (`pweil-` is a kubernetes org member): they are accepted; nothing else is.
const GITHUB_LOGIN = "^[A-Za-z0-9][-A-Za-z0-9]{0,38}$";

const orgName = (description: string): StructuralSchema => ({
  type: "string",
  description,
  pattern: DNS_LABEL,
  maxLength: 63,
});

export const ORGANIZATION_SPEC: StructuralSchema = {
  type: "object",
  description: "The desired settings of a Workjet organization.",
  properties: {
    displayName: {
      type: "string",
      description: "The name people see; defaults to metadata.name.",
      minLength: 1,
      maxLength: 200,
    },
    domains: {
      type: "array",
      description:
        "The organization's verified email domains, e.g. acme.com. Members outside them are external.",
      items: {
        type: "string",
        description: "a domain such as acme.com",
        pattern: DOMAIN,
        maxLength: 253,
      },
      maxItems: 100,
      default: [],
      "x-kubernetes-list-type": "set",
    },
    allowExternal: {
      type: "boolean",
      description:
        "Whether members outside `domains` are allowed (reported as warnings); false makes them errors.",
      default: true,
    },
    autoProvisioning: {
      type: "object",
      description:
        "R8: users whose Google account matches a domain join automatically with `role` when enabled.",
      properties: {
        enabled: { type: "boolean", description: "Turns auto-provisioning on.", default: false },
        role: {
          type: "string",
          description: "The role auto-provisioned users get: admin or member, never owner.",
          enum: ["admin", "member"],
          default: "member",
        },
      },
      default: {},
    },
    invitations: {
      type: "object",
      description: "How invitations behave.",
      properties: {
        expireAfter: {
          type: "string",
          description:
            "How long an invitation stays valid, between 1 hour and 365 days, as one number and unit: 90m, 12h, 7d or 2w; expired ones are resent.",
          pattern: INVITE_EXPIRY_PATTERN,
          default: "7d",
        },
      },
      default: {},
    },
    unmanaged: {
      type: "string",
      description:
        "What to do with members and open invitations the backend has but nobody declared (and Roster never managed): remove or cancel them, or only report them.",
      enum: ["remove", "report"],
      default: "remove",
    },
    safety: {
      type: "object",
      description: "Guards against destructive syncs.",
      properties: {
        maxRemovals: intOrString({
          description:
            'The most removals one sync may make: a count such as 10, or a share of the active members such as "10%".',
          minimum: 0,
          pattern: PERCENT,
          default: 10,
        }),
      },
      default: {},
    },
    deletionPolicy: {
      type: "string",
      description:
        "Kubernetes mode: what deleting the Organization resource does to the backend (Orphan leaves it alone).",
      enum: ["Orphan", "Delete"],
      default: "Orphan",
    },
    expiry: {
      type: "object",
      description: "Time-bound access: how members with spec.expiresAt are reported.",
      properties: {
        warnBefore: {
          type: "string",
          description:
            "Members whose access ends within this duration (7d, 12h, 2w) are warned about in plan and PR comments; default 7d.",
          pattern: DURATION,
        },
      },
    },
    reviews: {
      type: "object",
      description: "Periodic access reviews, recorded as AccessReview resources.",
      properties: {
        every: {
          type: "string",
          description:
            "An access review is due this long after the latest AccessReview (e.g. 90d); overdue is a warning.",
          pattern: DURATION,
        },
      },
    },
  },
};

export const MEMBER_SPEC: StructuralSchema = {
  type: "object",
  description: "One person's membership of an organization.",
  required: ["organization", "email", "role"],
  properties: {
    organization: orgName("metadata.name of the Organization this member belongs to."),
    email: {
      type: "string",
      description: "The member's email address: the identity key, compared case-insensitively.",
      format: "email",
      maxLength: 254,
    },
    role: {
      type: "string",
      description: "R1: owner, admin or member. Exactly one owner per organization (R2).",
      enum: ["owner", "admin", "member"],
    },
    github: {
      type: "string",
      description:
        "The member's GitHub login, used to recognise pull-request authors and approvers.",
      pattern: GITHUB_LOGIN,
    },
    expiresAt: {
      type: "string",
      format: "date-time",
      description:
        "Time-bound access: an RFC 3339 instant (2026-03-01T00:00:00Z) at which the controller revokes this member. Never on the owner.",
    },
  },
};

export const ACCESS_REVIEW_SPEC: StructuralSchema = {
  type: "object",
  description:
    "A periodic access review of one organization, signed off by its owner or an admin (SOC 2 CC6.2, ISO 27001 A.5.18).",
  required: ["organization", "reviewer", "reviewedAt"],
  properties: {
    organization: orgName("metadata.name of the Organization that was reviewed."),
    reviewer: {
      type: "string",
      description:
        "Email of the reviewer: the owner or an admin of the organization at this revision.",
      format: "email",
      maxLength: 254,
    },
    reviewedAt: {
      type: "string",
      format: "date-time",
      description: "When the review was done, RFC 3339 (2026-03-01T09:00:00Z).",
    },
    scope: {
      type: "string",
      description: "What was reviewed, e.g. all members, admins only.",
      maxLength: 500,
    },
    notes: {
      type: "string",
      description: "Findings and actions taken.",
      maxLength: 10000,
    },
  },
};

/** `metadata` as written in YAML files (a CRD may not constrain metadata beyond its name). */
export function fileMetadata(kind: "Organization" | "Member" | "AccessReview"): StructuralSchema {
  const stringMap: StructuralSchema = { type: "object", additionalProperties: { type: "string" } };
  return {
    type: "object",
    description: "Standard object metadata.",
    required: ["name"],
    properties: {
      name:
        kind === "Organization"
          ? orgName("The organization's slug: lower-case letters, digits and '-'.")
          : {
              type: "string",
              description: "The Member's name: lower-case letters, digits, '-' and '.'.",
              pattern: DNS_SUBDOMAIN,
              maxLength: 253,
            },
      namespace: {
        type: "string",
        description: "Kubernetes namespace.",
        pattern: DNS_LABEL,
        maxLength: 63,
      },
      labels: stringMap,
      annotations: stringMap,
    },
  };
}
