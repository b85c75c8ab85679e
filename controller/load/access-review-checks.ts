import type { DesiredAccessReview } from "../model/index.js";
import { normalizeEmail } from "../model/index.js";
import { desiredAccessReview } from "./build-state.js";
import type { Finding } from "./finding.js";
import type { OrgGroup } from "./member-findings.js";
import { memberSpec, unknownOrganization } from "./member-findings.js";
import type { ParsedResource } from "./parsed-resource.js";

/**
 * AccessReviews: of a declared organization, signed by its owner or an admin as declared in the
 * same tree (the revision the review was committed at). Returns the valid ones per organization.
 */
export function checkReviews(
  resources: readonly ParsedResource[],
  byOrg: ReadonlyMap<string, OrgGroup>,
  guessing: (org: string) => boolean,
  declared: string[],
  findings: Finding[],
): Map<string, DesiredAccessReview[]> {
  const out = new Map<string, DesiredAccessReview[]>();
  for (const r of resources) {
    if (r.kind !== "AccessReview") continue;
    const { organization, reviewer } = r.spec as { organization: string; reviewer: string };
    const group = byOrg.get(organization);
    if (!group?.org) {
      if (!guessing(organization)) findings.push(unknownOrganization(r, organization, declared));
      continue;
    }
    const email = normalizeEmail(reviewer);
    const declaredAs = group.emails.get(email);
    const role = declaredAs ? memberSpec(declaredAs).role : undefined;
    if (role !== "owner" && role !== "admin") {
      if (guessing(organization)) continue;
      findings.push({
        at: { resource: r, path: ["spec", "reviewer"] },
        rule: "review-reviewer",
        severity: "error",
        message: () =>
          `AccessReview "${r.name}": ${email} ${role === undefined ? "is not a member" : `is ${role}`} of "${organization}"; a review is signed by its owner or an admin`,
        hint: "name the owner or an admin of the organization (as declared in this commit) as spec.reviewer",
      });
      continue;
    }
    const list = out.get(organization) ?? [];
    list.push(desiredAccessReview(r));
    out.set(organization, list);
  }
  return out;
}
