import { Ajv } from "ajv";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { isValidEmail } from "../../controller/model/index.js";
import { KUBERNETES_KEYWORDS, buildCrds, forAjv } from "../../controller/schema/index.js";
import { defaults, rootViolations, structuralViolations } from "./structural-rules.js";

const root = path.resolve(import.meta.dirname, "../..");
const cli = path.join(root, "dist/controller/cli/main.js");
const tmp = mkdtempSync(path.join(os.tmpdir(), "roster-crds-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("generated CRDs", { timeout: 120_000 }, () => {
  it("match the committed crds/ and config/crd/bases/ byte for byte", () => {
    execFileSync(process.execPath, [cli, "crds", "--out", tmp]);
    for (const file of ["organizations.yaml", "members.yaml", "accessreviews.yaml"]) {
      const generated = readFileSync(path.join(tmp, file), "utf8");
      expect(readFileSync(path.join(root, "crds", file), "utf8")).toBe(generated);
      expect(readFileSync(path.join(root, "config/crd/bases", file), "utf8")).toBe(generated);
    }
  });

  it("print every CRD as a multi-document stream on stdout", () => {
    const out = execFileSync(process.execPath, [cli, "crds"], { encoding: "utf8" });
    const docs = parseAllDocuments(out).map((d) => d.toJS() as { metadata: { name: string } });
    expect(docs.map((d) => d.metadata.name)).toEqual([
      "organizations.roster.workjet.io",
      "members.roster.workjet.io",
      "accessreviews.roster.workjet.io",
    ]);
  });

  it("list every base in the kustomization", () => {
    const text = readFileSync(path.join(root, "config/crd/kustomization.yaml"), "utf8");
    const doc = parseAllDocuments(text)[0]!.toJS() as { resources: string[] };
    expect(doc.resources).toEqual([
      "bases/organizations.yaml",
      "bases/members.yaml",
      "bases/accessreviews.yaml",
    ]);
  });

  it.each(buildCrds().map((c) => [c.crd.spec.names.kind, c.crd] as const))(
    "%s: a namespaced v1alpha1 CRD with a status subresource and printer columns",
    (kind, crd) => {
      expect(crd.metadata.name).toBe(`${crd.spec.names.plural}.roster.workjet.io`);
      expect(crd.spec.scope).toBe("Namespaced");
      const [version] = crd.spec.versions;
      expect(version?.name).toBe("v1alpha1");
      expect(version?.subresources).toEqual({ status: {} });
      const columns = version?.additionalPrinterColumns.map((c) => [c.name, c.jsonPath]);
      expect(columns).toEqual(
        kind === "AccessReview"
          ? [
              ["Organization", ".spec.organization"],
              ["Reviewer", ".spec.reviewer"],
              ["Reviewed", ".spec.reviewedAt"],
              ["Age", ".metadata.creationTimestamp"],
            ]
          : kind === "Member"
            ? [
                ["Email", ".spec.email"],
                ["Role", ".spec.role"],
                ["Phase", ".status.phase"],
                ["Age", ".metadata.creationTimestamp"],
              ]
            : [
                ["Owner", ".status.owner"],
                ["Members", ".status.members"],
                ["Ready", ".status.ready"],
                ["Review Due", '.status.conditions[?(@.type=="AccessReviewDue")].status'],
                ["Age", ".metadata.creationTimestamp"],
              ],
      );
    },
  );

  it.each(buildCrds().map((c) => [c.crd.spec.names.kind, c.crd] as const))(
    "%s: the schema is structural",
    (_kind, crd) => {
      const schema = crd.spec.versions[0]!.schema.openAPIV3Schema;
      expect(rootViolations(schema)).toEqual([]);
      expect(structuralViolations(schema)).toEqual([]);
      expect(JSON.stringify(schema)).not.toContain("uniqueItems");
    },
  );

  it("the structural checker catches what Kubernetes rejects", () => {
    expect(
      structuralViolations({
        type: "object",
        properties: { a: { type: "string" }, b: {} as never },
        additionalProperties: { type: "string" },
        required: ["c"],
      }),
    ).toEqual([
      ": properties and additionalProperties together",
      ': required "c" is not a property',
      ".b: no type",
    ]);
    expect(
      structuralViolations({
        type: "array",
        items: { type: "string" },
        uniqueItems: true,
      } as never),
    ).toEqual([': keyword "uniqueItems" is not allowed']);
  });

  it("every default validates against its own field", () => {
    const ajv = new Ajv({ strict: true });
    for (const k of KUBERNETES_KEYWORDS) ajv.addKeyword(k);
    ajv.addFormat("email", { type: "string", validate: isValidEmail });
    const found = buildCrds().flatMap(({ crd }) =>
      defaults(crd.spec.versions[0]!.schema.openAPIV3Schema),
    );
    expect(found.map((f) => f.path)).toContain(".spec.safety.maxRemovals");
    for (const { path: at, node } of found) {
      const { default: value, ...rest } = node;
      const check = ajv.compile(forAjv(rest));
      expect(check(structuredClone(value)), `${at}: ${JSON.stringify(check.errors)}`).toBe(true);
    }
  });
});
