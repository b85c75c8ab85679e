import { describe, expect, it } from "vitest";
import { MAX_DEPTH, loadDesiredState, parseSourceFile } from "../../controller/load/index.js";
import { findExcessiveNesting } from "../../controller/load/nesting.js";
import { baseTree, memberDoc, snapshot } from "./fixtures.js";

const rules = (files: Record<string, string>) =>
  loadDesiredState(snapshot({ ...baseTree(), ...files })).issues.map(
    (i) => `${i.file}:${i.line}:${i.col}:${i.rule}`,
  );

/** The classic billion laughs: nine levels of nine aliases, 9^9 nodes if expanded. */
function aliasBomb(): string {
  const lines = [
    "apiVersion: roster.workjet.io/v1alpha1",
    "kind: Member",
    "metadata: {name: lol}",
    "a0: &a0 [lol]",
  ];
  for (let i = 1; i <= 9; i++) {
    const refs = Array.from({ length: 9 }, () => `*a${i - 1}`).join(", ");
    lines.push(`a${i}: &a${i} [${refs}]`);
  }
  lines.push("spec: *a9");
  return lines.join("\n") + "\n";
}

describe("hostile input: a clear error, never a hang or a crash", () => {
  it("refuses files over 10 MiB without reading them", () => {
    const result = loadDesiredState(
      snapshot(baseTree(), [{ path: "huge.yaml", bytes: 12 * 1024 * 1024 }]),
    );
    expect(result.state).toBeUndefined();
    expect(result.issues).toEqual([
      expect.objectContaining({ file: "huge.yaml", line: 1, col: 1, rule: "file-too-large" }),
    ]);
    expect(result.issues[0]!.message).toMatch(/12.0 MiB, over the 10.0 MiB limit/);
  });

  it("refuses an alias bomb without expanding it", () => {
    const started = Date.now();
    expect(rules({ "bomb.yaml": aliasBomb() })).toEqual(["bomb.yaml:5:10:yaml-aliases"]);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("accepts a few honest aliases", () => {
    const text =
      "apiVersion: roster.workjet.io/v1alpha1\nkind: Member\nmetadata: {name: bob}\n" +
      "spec: {organization: &org acme, email: bob@acme.com, role: member}\n---\n" +
      "apiVersion: roster.workjet.io/v1alpha1\nkind: Member\nmetadata: {name: carol}\n" +
      "spec: {organization: acme, email: &e carol@acme.com, role: member}\n";
    const result = loadDesiredState(snapshot({ ...baseTree(), "a.yaml": text }));
    expect(result.issues).toEqual([]);
    expect(result.counts).toEqual({ organizations: 1, members: 3 });
  });

  it.each([
    [
      "flow nesting a million deep",
      "spec: " + "[".repeat(1_000_000) + "]".repeat(1_000_000) + "\n",
      1,
      70,
    ],
    ["block sequences nested on one line", "spec:\n  " + "- ".repeat(200_000) + "x\n", 2, 129],
    [
      "deep nesting after a syntax error",
      "a: b: c\n---\nspec: " + "{a: ".repeat(500_000) + "1" + "}".repeat(500_000) + "\n",
      3,
      259,
    ],
    // Positions: the fast path stops at the node past the limit (the root mapping counts as
    // one level); the precise path's guard stops at the bracket past the limit.
  ])("refuses %s", (_name, text, line, col) => {
    const started = Date.now();
    const [issue, ...rest] = loadDesiredState(
      snapshot({ ...baseTree(), "deep.yaml": text }),
    ).issues;
    expect(rest.filter((i) => i.file === "deep.yaml")).toEqual([]);
    expect(issue).toMatchObject({ file: "deep.yaml", rule: "yaml-depth", line, col });
    expect(issue?.message).toMatch(new RegExp(`more than ${MAX_DEPTH} levels`));
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("the nesting estimate never falls below the real depth, and ignores comments", () => {
    expect(findExcessiveNesting("a: [[[1]]]\n", 3)).toBe(5);
    expect(findExcessiveNesting("a: [[[1]]]\n", 4)).toBe(-1);
    expect(findExcessiveNesting("# [[[[[[[[\na: 1\n", 2)).toBe(-1);
    expect(findExcessiveNesting("a: '[[[[[[' # [[[[\n", 2)).toBe(5);
    expect(findExcessiveNesting("[[[[\n---\n[[[[\n", 5)).toBe(-1);
    expect(findExcessiveNesting("[[[[\n[[[[\n", 5)).toBe(5);
  });

  it("an empty source is an error, not an empty desired state", () => {
    const none = loadDesiredState(snapshot({}), { describe: "members/" });
    expect(none.state).toBeUndefined();
    expect(none.issues).toEqual([
      expect.objectContaining({ file: "members/", rule: "empty-source", severity: "error" }),
    ]);
    expect(none.issues[0]!.message).toMatch(/no .yaml or .yml files/);
    const comments = loadDesiredState(snapshot({ "a.yaml": "# nothing yet\n---\n" }));
    expect(comments.issues.map((i) => i.rule)).toEqual(["empty-source"]);
    expect(comments.issues[0]!.message).toMatch(/declare no Organization or Member/);
  });

  it("parses the same with and without the fast path", () => {
    // Any anchor sends a file to the precise parser: positions and values must not change.
    const plain = memberDoc("bob", "bob@acme.com");
    const anchored = plain.replace("organization: acme", "organization: &o acme");
    const fast = parseSourceFile({ path: "m.yaml", text: `# lead\n---\n${plain}` });
    const precise = parseSourceFile({ path: "m.yaml", text: `# lead\n---\n${anchored}` });
    expect(precise).toEqual(fast);
    expect(fast.resources[0]).toMatchObject({ kind: "Member", name: "bob", line: 3, col: 1 });
  });
});
