import type { Kind } from "../model/index.js";
import { ACCESS_REVIEW_STATUS, MEMBER_STATUS, ORGANIZATION_STATUS } from "./status-schemas.js";
import type { StructuralSchema } from "./structural.js";
import { SPEC_SCHEMAS } from "./validate.js";

export const GROUP = "roster.workjet.io";
export const VERSION = "v1alpha1";

interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "boolean" | "date";
  jsonPath: string;
  description?: string;
}

export interface CustomResourceDefinition {
  apiVersion: "apiextensions.k8s.io/v1";
  kind: "CustomResourceDefinition";
  metadata: { name: string };
  spec: {
    group: string;
    names: { kind: Kind; listKind: string; plural: string; singular: string; categories: string[] };
    scope: "Namespaced";
    versions: {
      name: string;
      served: true;
      storage: true;
      schema: { openAPIV3Schema: StructuralSchema };
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
    }[];
  };
}

const AGE: PrinterColumn = { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" };

const DEFINITIONS: Record<
  Kind,
  { plural: string; description: string; status: StructuralSchema; columns: PrinterColumn[] }
> = {
  Organization: {
    plural: "organizations",
    description: "A Workjet organization whose membership Roster manages.",
    status: ORGANIZATION_STATUS,
    columns: [
      { name: "Owner", type: "string", jsonPath: ".status.owner" },
      { name: "Members", type: "integer", jsonPath: ".status.members" },
      { name: "Ready", type: "boolean", jsonPath: ".status.ready" },
      {
        name: "Review Due",
        type: "string",
        jsonPath: '.status.conditions[?(@.type=="AccessReviewDue")].status',
        description: "True when an access review is overdue (spec.reviews.every)",
      },
      AGE,
    ],
  },
  Member: {
    plural: "members",
    description: "One person's membership of a Workjet organization, with a role.",
    status: MEMBER_STATUS,
    columns: [
      { name: "Email", type: "string", jsonPath: ".spec.email" },
      { name: "Role", type: "string", jsonPath: ".spec.role" },
      { name: "Phase", type: "string", jsonPath: ".status.phase" },
      AGE,
    ],
  },
  AccessReview: {
    plural: "accessreviews",
    description:
      "A periodic access review of a Workjet organization, signed off by its owner or an admin.",
    status: ACCESS_REVIEW_STATUS,
    columns: [
      { name: "Organization", type: "string", jsonPath: ".spec.organization" },
      { name: "Reviewer", type: "string", jsonPath: ".spec.reviewer" },
      { name: "Reviewed", type: "string", jsonPath: ".spec.reviewedAt" },
      AGE,
    ],
  },
};

/** The CustomResourceDefinition of one kind, built from the same schema that validates files. */
export function buildCrd(kind: Kind): CustomResourceDefinition {
  const def = DEFINITIONS[kind];
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${def.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: {
        kind,
        listKind: `${kind}List`,
        plural: def.plural,
        singular: kind.toLowerCase(),
        categories: ["roster"],
      },
      scope: "Namespaced",
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: "object",
              description: def.description,
              required: ["spec"],
              properties: {
                apiVersion: { type: "string" },
                kind: { type: "string" },
                // A CRD may not constrain metadata beyond name/generateName; the API server
                // validates names itself.
                metadata: { type: "object" },
                spec: SPEC_SCHEMAS[kind],
                status: def.status,
              },
            },
          },
          subresources: { status: {} },
          additionalPrinterColumns: def.columns,
        },
      ],
    },
  };
}

/** File name → CRD, in the order `roster crds` prints them. */
export function buildCrds(): { file: string; crd: CustomResourceDefinition }[] {
  return [
    { file: "organizations.yaml", crd: buildCrd("Organization") },
    { file: "members.yaml", crd: buildCrd("Member") },
    { file: "accessreviews.yaml", crd: buildCrd("AccessReview") },
  ];
}
