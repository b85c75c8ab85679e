/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call --
   manifests are untyped YAML documents; the assertions are their type checks. */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";

// Manifests are untyped YAML: the assertions below are the type checks.
export type Doc = Record<string, any>;

export function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((f) => path.join(dir, f))
    .filter((f) => /\.ya?ml$/.test(f) && statSync(f).isFile())
    .sort();
}

export function load(file: string): Doc[] {
  const docs = parseAllDocuments(readFileSync(file, "utf8"));
  for (const d of docs) {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]?.message}`);
  }
  return docs.map((d) => d.toJS() as Doc).filter((d) => d !== null);
}

/** A small kustomize: resources (files or folders) and patches, as `kubectl kustomize` reads them. */
export function build(dir: string): Doc[] {
  const k = load(path.join(dir, "kustomization.yaml"))[0] as Doc;
  const out: Doc[] = [];
  for (const r of (k.resources ?? []) as string[]) {
    const target = path.resolve(dir, r);
    if (!existsSync(target)) throw new Error(`${dir}: resource ${r} does not exist`);
    out.push(...(statSync(target).isDirectory() ? build(target) : load(target)));
  }
  for (const p of (k.patches ?? []) as { path: string; target: { kind: string; name: string } }[]) {
    const patch = load(path.resolve(dir, p.path))[0] as Doc;
    const base = out.find((d) => d.kind === p.target.kind && d.metadata?.name === p.target.name);
    if (!base) throw new Error(`${dir}: patch ${p.path} matches no ${p.target.kind}`);
    strategicMerge(base, patch);
  }
  if (k.namespace) {
    for (const d of out)
      if (
        d.kind !== "Namespace" &&
        !d.kind?.startsWith("Cluster") &&
        d.kind !== "CustomResourceDefinition"
      )
        d.metadata.namespace = k.namespace;
  }
  return out;
}

/** Strategic merge for what our patches use: maps merge, `containers` merge by name, lists replace. */
function strategicMerge(base: Doc, patch: Doc): void {
  for (const [key, value] of Object.entries(patch)) {
    if (key === "containers" && Array.isArray(value)) {
      for (const c of value as Doc[]) {
        const existing = (base.containers as Doc[]).find((b) => b.name === c.name);
        if (existing) strategicMerge(existing, c);
        else (base.containers as Doc[]).push(c);
      }
    } else if (value && typeof value === "object" && !Array.isArray(value) && base[key]) {
      strategicMerge(base[key] as Doc, value as Doc);
    } else {
      base[key] = value;
    }
  }
}
