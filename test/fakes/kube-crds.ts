import { readFileSync, readdirSync } from "node:fs";
import { parse } from "yaml";
import type { SchemaNode } from "./kube-structural.js";

/**
 * The CustomResourceDefinitions the fake API server serves, read from the files the repository
 * ships (crds/, generated from controller/schema): the fake prunes, defaults and validates with
 * exactly the schema a cluster would be given, so the two cannot drift apart.
 */

export interface CrdResource {
  group: string;
  version: string;
  kind: string;
  plural: string;
  statusSubresource: boolean;
  schema: SchemaNode;
}

interface CrdFile {
  kind?: string;
  spec: {
    group: string;
    names: { kind: string; plural: string };
    versions: {
      name: string;
      served?: boolean;
      schema?: { openAPIV3Schema?: SchemaNode };
      subresources?: { status?: unknown };
    }[];
  };
}

const CRD_DIR = new URL("../../crds/", import.meta.url);

/** Every served version of every CRD in crds/. */
export function loadCrds(): CrdResource[] {
  const dir = CRD_DIR;
  const resources: CrdResource[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()) {
    const crd = parse(readFileSync(new URL(file, dir), "utf8")) as CrdFile;
    if (crd.kind !== "CustomResourceDefinition") continue;
    for (const version of crd.spec.versions) {
      const schema = version.schema?.openAPIV3Schema;
      if (version.served === false || !schema) continue;
      resources.push({
        group: crd.spec.group,
        version: version.name,
        kind: crd.spec.names.kind,
        plural: crd.spec.names.plural,
        statusSubresource: version.subresources?.status !== undefined,
        schema,
      });
    }
  }
  return resources;
}
