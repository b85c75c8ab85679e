import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import type { Doc } from "../kubernetes/kustomize.js";
import { build } from "../kubernetes/kustomize.js";

/**
 * The docs tell operators to pin the image by digest with kustomize's `images:`. A wrong `name`
 * makes kustomize change nothing, silently, and a malformed digest fails only at pull time: so
 * the examples are parsed here, checked for shape, and applied to the shipped overlay.
 */

const ROOT = path.resolve(import.meta.dirname, "../..");
const DOCS = ["README.md", "docs/kubernetes.md"];
const DIGEST = /^sha256:[0-9a-f]{64}$/;
// An image reference without tag or digest: [registry[:port]/]path, lower-case components.
const REPOSITORY =
  /^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(?::[0-9]+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;

interface ImageRule {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

/** The ```yaml blocks of a Markdown file that are kustomizations, with the text around them. */
function kustomizations(file: string): { doc: Doc; context: string }[] {
  const text = readFileSync(path.join(ROOT, file), "utf8");
  const out: { doc: Doc; context: string }[] = [];
  for (const m of text.matchAll(/```yaml\n([\s\S]*?)\n *```/g)) {
    // A block inside a numbered list is indented as a whole: take its first line's indent off.
    const indent = /^ */.exec(m[1]!)![0].length;
    const source = m[1]!.replace(new RegExp(`^ {${indent}}`, "gm"), "");
    if (!/kind: Kustomization/.test(source)) continue;
    const end = m.index + m[0].length;
    out.push({ doc: parse(source) as Doc, context: text.slice(end, end + 600) });
  }
  return out;
}

/** kustomize's images transformer, for the fields the examples use. */
function applyImages(docs: Doc[], rules: ImageRule[]): void {
  for (const doc of docs) {
    const containers = (doc.spec?.template?.spec?.containers ?? []) as { image: string }[];
    for (const c of containers) {
      const repository = c.image.replace(/@.*$/, "").replace(/:[^/:]+$/, "");
      const rule = rules.find((r) => r.name === repository);
      if (!rule) continue;
      const target = rule.newName ?? repository;
      c.image = rule.digest ? `${target}@${rule.digest}` : `${target}:${rule.newTag ?? "latest"}`;
    }
  }
}

describe("the documented image pin", () => {
  const shipped = build(path.join(ROOT, "config/overlays/crd-mode"));
  const deployment = shipped.find((d) => d.kind === "Deployment")!;
  const shippedImages = (deployment.spec.template.spec.containers as { image: string }[]).map((c) =>
    c.image.replace(/:[^/:]+$/, ""),
  );

  for (const file of DOCS) {
    it(`${file}: a kustomization that pins the shipped image by a sha256 digest`, () => {
      const found = kustomizations(file);
      expect(found.length, `${file} shows no kustomization with images:`).toBeGreaterThan(0);
      for (const { doc, context } of found) {
        expect(doc).toMatchObject({
          apiVersion: "kustomize.config.k8s.io/v1beta1",
          kind: "Kustomization",
        });
        for (const r of doc.resources as string[]) {
          const local = /^github\.com\/workjet\/roster\/\/([^?]+)\?ref=v\d+\.\d+\.\d+$/.exec(r);
          expect(local, `${file}: resource ${r}`).not.toBeNull();
          expect(existsSync(path.join(ROOT, local![1]!, "kustomization.yaml"))).toBe(true);
        }
        const rules = doc.images as ImageRule[];
        expect(rules.length).toBeGreaterThan(0);
        for (const rule of rules) {
          expect(shippedImages).toContain(rule.name);
          expect(rule.newName).toMatch(REPOSITORY);
          expect(rule.digest).toMatch(DIGEST);
          expect(rule.newTag).toBeUndefined(); // with a digest, a tag only misleads
          // The example digest is not a real image; the docs must say so next to it.
          if (rule.digest === `sha256:${createHash("sha256").update("").digest("hex")}`) {
            expect(context).toMatch(/example/i);
          }
        }
        const docs = structuredClone(shipped);
        applyImages(docs, rules);
        const pinned = docs.find((d) => d.kind === "Deployment")!;
        for (const c of pinned.spec.template.spec.containers as { image: string }[]) {
          expect(c.image).toBe(`${rules[0]!.newName}@${rules[0]!.digest}`);
        }
      }
    });
  }
});
