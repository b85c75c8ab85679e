import { mkdirSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GitCli } from "../../controller/adapters/sources/git-cli.js";
import { GitHistoryCli } from "../../controller/adapters/sources/git-history-cli.js";
import type { MembershipState } from "../../controller/audit/membership-diff.js";
import { diffMemberships, membershipFromDesired } from "../../controller/audit/membership-diff.js";
import type { ReplayStep } from "../../controller/audit/replay.js";
import { replayHistory } from "../../controller/audit/replay.js";
import type { ParsedResource } from "../../controller/load/index.js";
import { assembleDesiredState, parseSourceFile } from "../../controller/load/index.js";
import type { Issue } from "../../controller/model/index.js";
import { hasErrors } from "../../controller/model/index.js";
import { orgYaml, TestRepo } from "./test-repo.js";

// The streaming replay (changed files only, documents reused, read-ahead) against the obvious
// reference: at every first-parent commit read the whole tree, parse every YAML file whole,
// assemble, and diff against the last valid state.

const API = "apiVersion: roster.workjet.io/v1alpha1";
const PEOPLE = ["alice", "bob", "carol", "dave", "erin"];
const ROLES = ["owner", "admin", "member", "member"];
const EXPIRIES = [undefined, "2024-03-01T00:00:00Z", "2030-01-01T00:00:00Z"];
const FILES = ["members.yaml", "members/team-a.yaml", "members/team-b.yml", "people/x.yaml"];

const member = fc
  .record({
    who: fc.constantFrom(...PEOPLE),
    role: fc.constantFrom(...ROLES),
    expiresAt: fc.constantFrom(...EXPIRIES),
  })
  .map(
    ({ who, role, expiresAt }) =>
      `${API}\nkind: Member\nmetadata:\n  name: ${who}\nspec:\n  organization: acme\n` +
      `  email: ${who}@acme.com\n  role: ${role}\n` +
      (expiresAt ? `  expiresAt: ${expiresAt}\n` : ""),
  );

type Op =
  | { op: "write"; file: string; docs: string[] }
  | { op: "edit"; file: string; at: number; doc: string | null }
  | { op: "delete"; file: string }
  | { op: "rename"; file: string; to: string }
  | { op: "broken"; file: string }
  | { op: "readme" };

const file = fc.constantFrom(...FILES);
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("write" as const),
      file,
      docs: fc.array(member, { maxLength: 4 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("edit" as const),
      file,
      at: fc.nat(),
      doc: fc.option(member),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("delete" as const), file }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("rename" as const), file, to: file }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("broken" as const), file }) },
  { weight: 1, arbitrary: fc.constant({ op: "readme" as const }) },
);

/** Applies the ops as commits, one a day; the documents of each file are kept as a model. */
function script(repo: TestRepo, ops: Op[]): void {
  const docs = new Map<string, string[]>();
  const put = (f: string) => repo.write(f, (docs.get(f) ?? []).join("---\n"));
  repo.write("orgs/acme.yaml", orgYaml("acme"));
  let day = 0;
  const commit = (message: string) =>
    repo.commit(message, new Date(Date.UTC(2024, 0, 1 + day++, 12)).toISOString(), {
      name: "Dev",
      email: "dev@acme.com",
    });
  repo.write(
    "members.yaml",
    `${API}\nkind: Member\nmetadata:\n  name: alice\nspec:\n  organization: acme\n  email: alice@acme.com\n  role: owner\n`,
  );
  docs.set("members.yaml", [
    `${API}\nkind: Member\nmetadata:\n  name: alice\nspec:\n  organization: acme\n  email: alice@acme.com\n  role: owner\n`,
  ]);
  commit("Create acme");
  for (const o of ops) {
    if (o.op === "write") {
      docs.set(o.file, o.docs);
      put(o.file);
    } else if (o.op === "edit") {
      const list = [...(docs.get(o.file) ?? [])];
      const at = o.at % (list.length + 1);
      if (o.doc === null) list.splice(at, 1);
      else if (o.at % 2 === 0) list.splice(at, 0, o.doc);
      else list.splice(at, 1, o.doc);
      docs.set(o.file, list);
      put(o.file);
    } else if (o.op === "delete") {
      if (!docs.has(o.file)) continue;
      docs.delete(o.file);
      repo.remove(o.file);
    } else if (o.op === "rename") {
      const moved = docs.get(o.file);
      if (moved === undefined || o.to === o.file) continue;
      docs.delete(o.file);
      if (docs.has(o.to)) repo.remove(o.to);
      docs.set(o.to, moved);
      mkdirSync(path.dirname(path.join(repo.dir, o.to)), { recursive: true });
      repo.git(["mv", "-f", o.file, o.to]);
    } else if (o.op === "broken") {
      docs.set(o.file, ["kind: Member\nmetadata: { name: [unclosed\n"]);
      put(o.file);
    } else {
      repo.write("README.md", `# access ${day}\n`);
    }
    commit(`${o.op} ${"file" in o ? o.file : ""}`);
  }
}

interface Observed {
  sha: string;
  changes: unknown[];
  invalid: string[] | null;
  state: unknown;
  validAt: string | null;
}

const issueKey = (i: Issue) => `${i.file}:${i.line}:${i.col} ${i.rule} ${i.message}`;
const stateView = (s: MembershipState) =>
  [...s]
    .map(([org, m]) => [org, [...m].sort(([a], [b]) => (a < b ? -1 : 1))] as const)
    .sort(([a], [b]) => (a < b ? -1 : 1));
const observe = (s: ReplayStep): Observed => ({
  sha: s.commit.sha,
  changes: s.changes,
  invalid: s.invalid === undefined ? null : s.invalid.map(issueKey).sort(),
  state: stateView(s.state),
  validAt: s.validAt?.sha ?? null,
});

/** The reference: every commit's whole tree, read and parsed from scratch. */
function reference(repo: TestRepo, shas: string[]): Observed[] {
  const out: Observed[] = [];
  let state: MembershipState = new Map();
  let validAt: string | null = null;
  let previousYaml = "";
  let previousIssues: string[] | null = null;
  for (const sha of shas) {
    const tree = repo
      .git(["ls-tree", "-r", "-z", sha])
      .split("\0")
      .filter(Boolean)
      .map((line) => {
        const [meta = "", p = ""] = line.split("\t");
        return { blob: meta.split(" ")[2] ?? "", path: p };
      })
      .filter((e) => /\.ya?ml$/i.test(e.path));
    const yamlId = tree.map((e) => `${e.path}=${e.blob}`).join("\n");
    if (yamlId === previousYaml) {
      if (previousIssues === null) validAt = sha;
      const invalid = previousIssues === null ? null : [];
      out.push({ sha, changes: [], invalid, state: stateView(state), validAt });
      continue;
    }
    previousYaml = yamlId;
    const resources: ParsedResource[] = [];
    const errors: Issue[] = [];
    for (const e of tree) {
      const parsed = parseSourceFile({
        path: e.path,
        text: repo.git(["cat-file", "blob", e.blob]),
      });
      resources.push(...parsed.resources);
      errors.push(...parsed.issues.filter((i) => i.severity === "error"));
    }
    let issues = errors;
    let next: MembershipState | undefined;
    if (errors.length === 0) {
      if (resources.length === 0) next = new Map();
      else {
        const assembled = assembleDesiredState(resources, sha);
        if (assembled.state && !hasErrors(assembled.issues))
          next = membershipFromDesired(assembled.state);
        else issues = assembled.issues.filter((i) => i.severity === "error");
      }
    }
    if (next) {
      const changes = diffMemberships(state, next);
      state = next;
      validAt = sha;
      previousIssues = null;
      out.push({ sha, changes, invalid: null, state: stateView(state), validAt });
    } else {
      previousIssues = issues.map(issueKey).sort();
      out.push({ sha, changes: [], invalid: previousIssues, state: stateView(state), validAt });
    }
  }
  return out;
}

describe("replayHistory against a from-scratch reference, on generated repositories", () => {
  it("the same changes, invalid commits, states and valid revisions at every commit", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 10 }), async (ops) => {
        const repo = TestRepo.create("roster-replay-ref-");
        const git = new GitHistoryCli(new GitCli({ env: repo.env }), {
          gitDir: path.join(repo.dir, ".git"),
        });
        try {
          script(repo, ops);
          const commits = await git.commits(repo.head());
          const got: Observed[] = [];
          await replayHistory(git, commits, undefined, (step) => got.push(observe(step)));
          const want = reference(
            repo,
            commits.map((c) => c.sha),
          );
          expect(got).toEqual(want);
        } finally {
          await git.close();
          repo.cleanup();
        }
      }),
      // No shrinking: every run builds a repository; the failing seed and ops are printed.
      { numRuns: 12, endOnFailure: true },
    );
  }, 120_000);
});
