import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DocumentCache } from "../../controller/audit/document-cache.js";
import { parseSourceFile } from "../../controller/load/index.js";
import { memberDoc, orgDoc } from "../load/fixtures.js";

// Pieces a file's versions are made of. Few distinct documents, so that versions share
// documents and move them around: what the cache reuses.
const wellFormed = [
  orgDoc("acme"),
  memberDoc("alice", "alice@acme.com", "owner"),
  memberDoc("bob", "bob@acme.com"),
  memberDoc("bob", "bob@acme.com", "admin"),
  memberDoc("carol", "carol@acme.com", "superuser"), // a schema error, with its position
  memberDoc("dave", "dave@acme.com").replace(/\n/g, "\r\n"),
  "spec:\n  notes: |\n    kept with its line feed\n", // a block scalar at a document's end
  "# only a comment\n",
  "",
];
const markers = ["---\n", "--- \n", "---\t\n", "--- # note\n", "\n---\n", "\n"];
// And what only looks like structure: broken YAML, lines that start like a marker. Parsed alone
// some of these give other messages than in a whole file (the parser's fallbacks, not the
// cache's doing), so with them the reference is a fresh cache, not the whole-file parse.
const hostile = [
  "kind: Member\nmetadata: { name: [unclosed\n",
  "---x\n",
  "----\n",
  "---apiVersion: x\n",
];

type Edit = { kind: "edit"; at: number; drop: number; insert: string[] };
type Step = { kind: "replace"; text: string } | Edit;

function historyOf(pieces: string[]) {
  const version = fc
    .array(fc.tuple(fc.constantFrom(...markers), fc.constantFrom(...pieces)), { maxLength: 12 })
    .chain((parts) =>
      fc
        .tuple(fc.constantFrom("", "---\n", "\n"), fc.constantFrom("", "---", "---\n"))
        .map(([lead, end]) => lead + parts.map(([sep, doc]) => sep + doc).join("") + end),
    );
  const step: fc.Arbitrary<Step> = fc.oneof(
    version.map((text) => ({ kind: "replace" as const, text })),
    fc.record({
      kind: fc.constant("edit" as const),
      at: fc.nat(),
      drop: fc.nat({ max: 3 }),
      insert: fc.array(fc.constantFrom(...pieces, ...markers), { maxLength: 3 }),
    }),
  );
  return fc.tuple(version, fc.array(step, { maxLength: 15 }));
}

/** Insert, delete or replace whole lines: documents appear, vanish, move, split and merge. */
function apply(text: string, step: Edit): string {
  const lines = text.split("\n");
  lines.splice(step.at % (lines.length + 1), step.drop, ...step.insert.join("").split("\n"));
  return lines.join("\n");
}

function view(r: {
  resources: ReturnType<typeof parseSourceFile>["resources"];
  errors: ReturnType<typeof parseSourceFile>["issues"];
}) {
  return {
    resources: r.resources.map((x) => [x.kind, x.name, x.file, x.line, x.col, x.spec]),
    errors: r.errors.map((i) => [i.file, i.line, i.col, i.rule, i.message, i.severity]),
  };
}

function replay(first: string, steps: Step[], check: (text: string, got: unknown) => void) {
  const cache = new DocumentCache();
  let text = first;
  for (const step of [{ kind: "replace" as const, text: first }, ...steps]) {
    text = step.kind === "replace" ? step.text : apply(text, step);
    check(text, view(cache.parse({ path: "members.yaml", text })));
  }
}

describe("DocumentCache on generated edit histories", () => {
  it("well-formed versions: exactly the whole-file parse (positions, specs, errors)", () => {
    fc.assert(
      fc.property(historyOf(wellFormed), ([first, steps]) =>
        replay(first, steps, (text, got) => {
          const whole = parseSourceFile({ path: "members.yaml", text });
          const errors = whole.issues.filter((i) => i.severity === "error");
          const expected = view({ resources: whole.resources, errors });
          const syntax = (e: unknown[]) => e[3] === "yaml-syntax";
          if (expected.errors.some(syntax)) {
            // Line edits can break the YAML. After a syntax error the whole-file parser's
            // recovery places the following documents inconsistently (at their marker line or
            // their first line); such a commit is skipped, and its syntax error must match.
            const { errors: mine } = got as typeof expected;
            expect(mine.find(syntax), JSON.stringify(text)).toEqual(expected.errors.find(syntax));
          } else {
            expect(got, JSON.stringify(text)).toEqual(expected);
          }
        }),
      ),
      { numRuns: 150 },
    );
  });

  it("any versions: reusing the last version's documents gives what a fresh parse gives", () => {
    fc.assert(
      fc.property(historyOf([...wellFormed, ...hostile]), ([first, steps]) =>
        replay(first, steps, (text, got) => {
          const fresh = new DocumentCache().parse({ path: "members.yaml", text });
          expect(got, JSON.stringify(text)).toEqual(view(fresh));
        }),
      ),
      { numRuns: 150 },
    );
  });
});
