import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES } from "../../controller/server/portal-api/route-table.js";
import type { ApiHarness } from "./harness.js";
import { call, startApi } from "./harness.js";

type Json = Record<string, unknown>;
const doc = JSON.parse(
  readFileSync(new URL("../../controller/server/portal-api/openapi.json", import.meta.url), "utf8"),
) as { openapi: string; paths: Record<string, Record<string, Json>>; components: Json };

const METHODS = ["get", "post", "put", "patch", "delete", "head", "options"];

function documented(): string[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((k) => METHODS.includes(k))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );
}

function resolve(node: unknown): Json {
  const ref = (node as { $ref?: string }).$ref;
  if (ref === undefined) return node as Json;
  let target: unknown = doc;
  for (const part of ref.replace(/^#\//, "").split("/")) target = (target as Json)[part];
  if (target === undefined) throw new Error(`dangling $ref ${ref}`);
  return target as Json;
}

describe("openapi.json", () => {
  it("documents exactly the routes the router serves, with the same operationIds", () => {
    const served = ROUTES.map((r) => `${r.method} ${r.path}`).sort();
    expect(documented().sort()).toEqual(served);
    for (const route of ROUTES) {
      const operation = doc.paths[route.path]?.[route.method.toLowerCase()];
      expect(operation?.operationId).toBe(route.operationId);
    }
  });

  it("declares every path parameter and the Idempotency-Key header on every write", () => {
    for (const route of ROUTES) {
      const operation = doc.paths[route.path]?.[route.method.toLowerCase()] as Json;
      const params = ((operation.parameters as unknown[] | undefined) ?? []).map(resolve);
      const inPath = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const declared = params.filter((p) => p.in === "path").map((p) => p.name);
      expect({ route: route.path, params: declared.sort() }).toEqual({
        route: route.path,
        params: inPath.sort(),
      });
      const headers = params.filter((p) => p.in === "header").map((p) => p.name);
      expect(headers.includes("Idempotency-Key")).toBe(route.write);
      // Routes without a key say so; the others inherit the bearer requirement.
      expect(Array.isArray(operation.security) && operation.security.length === 0).toBe(
        route.requires === "none",
      );
    }
  });

  it("documents If-Match / If-None-Match and 412 on exactly the conditional writes", () => {
    for (const route of ROUTES) {
      const operation = doc.paths[route.path]?.[route.method.toLowerCase()] as Json;
      const params = ((operation.parameters as unknown[] | undefined) ?? []).map(resolve);
      const headers = params.filter((p) => p.in === "header").map((p) => p.name);
      const conditional = headers.includes("If-Match") || headers.includes("If-None-Match");
      const answers412 = "412" in (operation.responses as Json);
      expect({ id: route.operationId, conditional, answers412 }).toEqual({
        id: route.operationId,
        conditional: route.conditional,
        answers412: route.conditional,
      });
    }
  });

  it("is OpenAPI 3 and every $ref resolves", () => {
    expect(doc.openapi).toMatch(/^3\.0\./);
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object") {
        if ("$ref" in node) resolve(node);
        Object.values(node).forEach(walk);
      }
    };
    walk(doc);
  });

  describe("served", () => {
    let api: ApiHarness;
    beforeAll(async () => {
      api = await startApi();
    });
    afterAll(async () => {
      await api.close();
    });

    it("at GET /v1/openapi.json without a key, identical to the file", async () => {
      const answer = await call(api.url, "GET", "/v1/openapi.json");
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual(doc);
    });
  });
});
