import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { VALIDATION_RULES } from "../../controller/load/index.js";

const doc = readFileSync(path.resolve(import.meta.dirname, "../../docs/resources.md"), "utf8");

describe("validation rule ids", () => {
  it("are all documented in docs/resources.md with an example", () => {
    const documented = [...doc.matchAll(/^\| `([a-zA-Z0-9-]+)` \| (error|warning)/gm)].map(
      (m) => m[1],
    );
    expect(documented.sort()).toEqual(Object.keys(VALIDATION_RULES).sort());
  });
});
