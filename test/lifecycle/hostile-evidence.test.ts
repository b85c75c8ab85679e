import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestRepo } from "../audit/test-repo.js";
import { CLI } from "../e2e-apply/harness.js";
import { member, review } from "./lifecycle-history.js";

// The auditor's outputs read commit authors (anyone's input) and member emails (a local part
// may hold `|`, `!`, `+`); an AccessReview's date is the one thing the review cadence trusts.
const API = "apiVersion: roster.workjet.io/v1alpha1";
const ORG = `${API}\nkind: Organization\nmetadata:\n  name: acme\nspec:\n  displayName: acme\n  domains: [acme.com]\n  reviews: { every: 90d }\n`;
const HOSTILE_EMAIL = "x|y|z@acme.com";
// Git keeps everything in a name but `<`, `>` and line breaks.
const HOSTILE_AUTHOR =
  '=HYPERLINK("http://evil.test/x","y") \u001b[31mred\u001b]8;;http://evil.test\u0007 ![p](http://evil.test/p.png) [click](http://evil.test) @everyone | forged | cells';

let repo: TestRepo;

function roster(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [CLI, ...args], {
    cwd: repo.root,
    env: { ...repo.env, NO_COLOR: "1" },
    encoding: "utf8",
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

beforeAll(() => {
  repo = TestRepo.create("roster-hostile-evidence-");
  const files = (extra: string[]) =>
    [
      ORG,
      member("alice", "alice@acme.com", "owner"),
      member("mallory", HOSTILE_EMAIL, "member"),
      ...extra,
    ].join("---\n");
  repo.write("acme.yaml", files([review("real", "alice@acme.com", "2026-01-10T09:00:00Z")]));
  repo.commit("Merge pull request #1 from acme/start", "2026-01-10T10:00:00Z", {
    name: HOSTILE_AUTHOR,
    email: "h@acme.com",
  });
  // A review dated long after the commit that records it: it would push the next one to 2099.
  repo.write(
    "acme.yaml",
    files([
      review("real", "alice@acme.com", "2026-01-10T09:00:00Z"),
      review("postdated", "alice@acme.com", "2099-01-01T00:00:00Z"),
    ]),
  );
  repo.commit("record the next review early", "2026-06-01T10:00:00Z", {
    name: "Alice",
    email: "alice@acme.com",
  });
  repo.write("acme.yaml", [ORG, member("alice", "alice@acme.com", "owner")].join("---\n"));
  repo.commit("Merge pull request #2: mallory leaves", "2026-06-02T10:00:00Z", {
    name: HOSTILE_AUTHOR,
    email: "h@acme.com",
  });
});

afterAll(() => repo.cleanup());

/** The cells of a Markdown table row, split on unescaped pipes. */
function cells(row: string): string[] {
  return row
    .replace(/^\|/, "")
    .replace(/\|$/, "")
    .split(/(?<!\\)\|/);
}

describe("a review dated in the future proves nothing yet", () => {
  it("roster review: the latest review is the last one dated by the review's instant", () => {
    const run = roster([
      "review",
      "--repo",
      repo.dir,
      "--org",
      "acme",
      "--at",
      "2026-06-01T12:00:00Z",
      "-o",
      "json",
    ]);
    expect(run.code).toBe(0);
    const { status } = JSON.parse(run.stdout) as {
      status: { latest: { name: string } | null; dueAt: string | null; overdue: boolean };
    };
    expect(status.latest?.name).toBe("real");
    expect(status.dueAt).toBe("2026-04-10T09:00:00Z");
    expect(status.overdue).toBe(true);
  });
});

describe("hostile authors and emails stay inert in every output", () => {
  const at = ["--at", "2026-01-11T00:00:00Z"];

  it("-o markdown: no control character, no image, link or mention, one cell per column", () => {
    const run = roster(["review", "--repo", repo.dir, "--org", "acme", ...at, "-o", "markdown"]);
    expect(run.code).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(run.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(run.stdout).not.toMatch(/(?<!\\)!\[|(?<!\\)\[click\]|(?<!\\)@everyone/);
    const rows = run.stdout
      .split("\n")
      .filter((l) => l.startsWith("| ") && !l.startsWith("| Email"));
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(cells(row)).toHaveLength(8);
    expect(rows.some((r) => cells(r)[0]?.includes("x\\|y\\|z"))).toBe(true);
  });

  it("--leavers -o markdown: the email cannot forge columns either", () => {
    const run = roster([
      "review",
      "--leavers",
      "--repo",
      repo.dir,
      "--since",
      "2026-01-01T00:00:00Z",
      "-o",
      "markdown",
    ]);
    expect(run.code).toBe(0);
    const rows = run.stdout.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| Org"));
    expect(rows).toHaveLength(1);
    expect(cells(rows[0] as string)).toHaveLength(7);
  });

  it("-o csv: formulas are text and no control character reaches the file", () => {
    const run = roster(["review", "--repo", repo.dir, "--org", "acme", ...at, "-o", "csv"]);
    expect(run.code).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(run.stdout).not.toMatch(/[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f]/);
    expect(run.stdout).toContain(`"'=HYPERLINK(""http://evil.test/x""`);
  });
});
