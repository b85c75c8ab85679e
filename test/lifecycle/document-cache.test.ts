import { describe, expect, it } from "vitest";
import { DocumentCache } from "../../controller/audit/document-cache.js";
import { parseSourceFile } from "../../controller/load/index.js";
import { memberDoc, orgDoc } from "../load/fixtures.js";

const docs = (...parts: string[]) => parts.join("---\n");
const whole = (text: string) => {
  const r = parseSourceFile({ path: "members.yaml", text });
  return {
    resources: r.resources.map((x) => [x.name, x.line, x.col]),
    errors: r.issues
      .filter((i) => i.severity === "error")
      .map((i) => [i.line, i.col, i.rule, i.message]),
  };
};

describe("DocumentCache: a multi-document file parsed one document at a time", () => {
  it("gives exactly the whole-file parse (names, positions, errors) and reuses unchanged documents", () => {
    const cache = new DocumentCache();
    const versions = [
      docs(
        orgDoc("acme"),
        memberDoc("alice", "alice@acme.com", "owner"),
        memberDoc("bob", "bob@acme.com"),
      ),
      // bob's role becomes invalid: the error must point at bob's line in the whole file.
      docs(
        orgDoc("acme"),
        memberDoc("alice", "alice@acme.com", "owner"),
        memberDoc("bob", "bob@acme.com", "superuser"),
      ),
      // A document inserted at the top shifts every later one.
      docs(
        memberDoc("carol", "carol@acme.com"),
        orgDoc("acme"),
        memberDoc("alice", "alice@acme.com", "owner"),
        memberDoc("bob", "bob@acme.com"),
      ),
      `---\n${docs(orgDoc("acme"), memberDoc("alice", "alice@acme.com", "owner"))}---\n`,
      `%YAML 1.2\n---\n${orgDoc("acme")}`,
    ];
    const specs: unknown[][] = [];
    for (const text of versions) {
      const got = cache.parse({ path: "members.yaml", text });
      expect({
        resources: got.resources.map((x) => [x.name, x.line, x.col]),
        errors: got.errors.map((i) => [i.line, i.col, i.rule, i.message]),
      }).toEqual(whole(text));
      specs.push(got.resources.map((r) => r.spec));
    }
    expect(whole(versions[1]!).errors).toHaveLength(1);
    // alice's document is unchanged from v1 to v2 to v3: the same parsed spec object, not a re-parse.
    expect(specs[1]![1]).toBe(specs[0]![1]);
    expect(specs[2]![2]).toBe(specs[0]![1]);
  });
});
