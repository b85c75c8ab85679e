import { afterEach, describe, expect, it } from "vitest";
import { checkPullRequest } from "../../controller/audit/pr-check.js";
import type { PullRequestCheck } from "../../controller/audit/pr-check.js";
import { computeCheck } from "../../controller/cli/pr-check/compute.js";
import { checkJson } from "../../controller/cli/pr-check/view.js";
import type { PrRepo } from "./pr-repo.js";
import { historyOf, orgFile, prRepo, team } from "./pr-repo.js";

const repos: PrRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.repo.cleanup();
});

/** A PR on a real repository: `main` declares TEAM, branch `pr` declares `head`. */
async function check(
  head: Record<string, string | null>,
  people: { author: string; approvers?: string[] },
  base: Record<string, string> = { "orgs/acme.yaml": orgFile("acme", team()) },
  path?: string,
): Promise<PullRequestCheck> {
  const pr = prRepo(base, head);
  repos.push(pr);
  const { history, close } = historyOf(pr.repo);
  try {
    return await checkPullRequest({
      history,
      base: pr.base,
      head: pr.head,
      author: people.author,
      approvers: people.approvers ?? [],
      ...(path ? { path } : {}),
    });
  } finally {
    await close();
  }
}

const promoteCarol = { "orgs/acme.yaml": orgFile("acme", team({ carol: { role: "admin" } })) };
const inviteFrank = {
  "orgs/acme.yaml": orgFile("acme", team({ frank: { email: "frank@acme.com", role: "member" } })),
};
const transferToBob = {
  "orgs/acme.yaml": orgFile("acme", team({ alice: { role: "admin" }, bob: { role: "owner" } })),
};

describe("roster check on real base and head branches", () => {
  it("an admin promoting someone to admin → denied (R4); with the owner approving → allowed", async () => {
    const denied = await check(promoteCarol, { author: "bob-gh" });
    expect(denied.allowed).toBe(false);
    expect(denied.changes).toEqual([
      expect.objectContaining({
        org: "acme",
        email: "carol@acme.com",
        change: "roleChanged",
        from: "member",
        to: "admin",
        rule: "R4",
        missing:
          "the owner of acme among the author and approvers; the owner is alice@acme.com (GitHub alice-gh)",
      }),
    ]);
    // The change is located where head declares carol, for the check-run annotation.
    const lines = promoteCarol["orgs/acme.yaml"].split("\n");
    const carolDoc = lines.indexOf("  name: carol") - 2; // its document starts at `apiVersion`
    expect(lines[carolDoc - 1]).toBe("apiVersion: roster.workjet.io/v1alpha1");
    expect(denied.changes[0]?.source).toEqual({ file: "orgs/acme.yaml", line: carolDoc, col: 1 });

    const allowed = await check(promoteCarol, { author: "bob-gh", approvers: ["alice-gh"] });
    expect(allowed.allowed).toBe(true);
    expect(allowed.changes[0]).toMatchObject({ rule: "R4", satisfiedBy: "alice-gh" });
  });

  it("a member author with an admin approver inviting someone → allowed (R3)", async () => {
    const result = await check(inviteFrank, { author: "carol-gh", approvers: ["erin-gh"] });
    expect(result.allowed).toBe(true);
    expect(checkJson({ report: result })).toEqual({
      allowed: true,
      changes: [
        {
          org: "acme",
          email: "frank@acme.com",
          change: "granted",
          from: null,
          to: "member",
          rule: "R3",
          satisfiedBy: "erin-gh",
        },
      ],
      issues: [],
    });
    const alone = await check(inviteFrank, { author: "carol-gh" });
    expect(alone.allowed).toBe(false);
  });

  it("self-approval of one's own promotion → denied", async () => {
    const result = await check(promoteCarol, { author: "carol-gh", approvers: ["carol-gh"] });
    expect(result.allowed).toBe(false);
    expect(result.changes[0]?.missing).toContain("carol-gh may not approve their own elevation");
  });

  it("a PR that adds a github: mapping for its own author gains nothing", async () => {
    // dave has no github at base; his PR declares dave-gh and promotes himself.
    const head = {
      "orgs/acme.yaml": orgFile("acme", team({ dave: { role: "admin", github: "dave-gh" } })),
    };
    const result = await check(head, { author: "dave-gh" });
    expect(result.allowed).toBe(false);
    expect(result.changes.map((c) => [c.change, c.rule, c.satisfiedBy ?? "denied"])).toEqual([
      ["roleChanged", "R4", "denied"],
      ["githubChanged", "R4", "denied"],
    ]);
    // Mapping the owner's Member to the author's login is itself a change that needs the owner.
    const takeover = {
      "orgs/acme.yaml": orgFile(
        "acme",
        team({ alice: { github: "dave-gh" }, frank: { email: "frank@acme.com", role: "member" } }),
      ),
    };
    const stolen = await check(takeover, { author: "dave-gh" });
    expect(stolen.allowed).toBe(false);
    expect(stolen.changes.every((c) => c.missing !== undefined)).toBe(true);
  });

  it("ownership transfer approved by the current owner → allowed, by an admin → denied (R5)", async () => {
    const byOwner = await check(transferToBob, { author: "bob-gh", approvers: ["alice-gh"] });
    expect(byOwner.allowed).toBe(true);
    expect(byOwner.changes.map((c) => [c.email, c.change, c.rule, c.satisfiedBy])).toEqual([
      ["bob@acme.com", "ownershipTransferred", "R5", "alice-gh"],
      ["alice@acme.com", "roleChanged", "R5", "alice-gh"],
    ]);
    const byAdmin = await check(transferToBob, { author: "bob-gh", approvers: ["erin-gh"] });
    expect(byAdmin.allowed).toBe(false);
    expect(byAdmin.changes.map((c) => c.missing === undefined)).toEqual([false, false]);
  });

  it("invalid YAML at head → denied with file:line:col, nothing judged", async () => {
    const broken = orgFile("acme", team()).replace("  role: member\n", "  role: superuser\n");
    const result = await check({ "orgs/acme.yaml": broken }, { author: "alice-gh" });
    expect(result.allowed).toBe(false);
    expect(result.changes).toEqual([]);
    expect(result.headState).toBeUndefined();
    const errors = result.issues.filter((i) => i.severity === "error");
    expect(errors).toHaveLength(1);
    const line = broken.split("\n").indexOf("  role: superuser") + 1;
    expect(errors[0]).toMatchObject({ file: "orgs/acme.yaml", line, col: 9 });

    const syntax = await check({ "orgs/acme.yaml": "kind: [unclosed\n" }, { author: "alice-gh" });
    expect(syntax.allowed).toBe(false);
    expect(syntax.issues[0]).toMatchObject({ file: "orgs/acme.yaml", line: 2, severity: "error" });
  });

  it("a base that does not load denies the PR: nobody's authority can be read", async () => {
    const result = await check(
      inviteFrank,
      { author: "alice-gh" },
      { "orgs/acme.yaml": "kind: [unclosed\n" },
    );
    expect(result.allowed).toBe(false);
    expect(result.baseIssues.length).toBeGreaterThan(0);
    expect(checkJson({ report: result })).toMatchObject({
      allowed: false,
      issues: [
        expect.objectContaining({ message: expect.stringMatching(/^at base [0-9a-f]{12}: /) }),
      ],
    });
  });

  it("a first PR on an empty repository creates the organization: its declared owner must approve", async () => {
    const byAnyone = await check(
      { "orgs/acme.yaml": orgFile("acme", team()) },
      { author: "anyone" },
      { "README.md": "# access\n" },
    );
    expect(byAnyone.allowed).toBe(false);
    expect(byAnyone.changes[0]).toMatchObject({ rule: "org-create" });
    const result = await check(
      { "orgs/acme.yaml": orgFile("acme", team()) },
      { author: "anyone", approvers: ["alice-gh"] },
      { "README.md": "# access\n" },
    );
    expect(result.allowed).toBe(true);
    expect(result.changes[0]).toMatchObject({
      change: "organizationCreated",
      email: "alice@acme.com",
    });
    expect(result.issues).toEqual([
      expect.objectContaining({
        file: "orgs/acme.yaml",
        line: 1,
        col: 1,
        rule: "pr-policy",
        severity: "warning",
      }),
    ]);
  });

  it("removing an Organization file needs that organization's owner", async () => {
    const base = {
      "orgs/acme.yaml": orgFile("acme", team()),
      "orgs/beta.yaml": orgFile("beta", [
        { name: "zoe", email: "zoe@beta.com", role: "owner", github: "zoe-gh" },
      ]),
    };
    const denied = await check({ "orgs/beta.yaml": null }, { author: "alice-gh" }, base);
    expect(denied.changes).toEqual([
      expect.objectContaining({ org: "beta", change: "organizationRemoved", rule: "org-delete" }),
    ]);
    expect(denied.allowed).toBe(false);
    const allowed = await check(
      { "orgs/beta.yaml": null },
      { author: "alice-gh", approvers: ["zoe-gh"] },
      base,
    );
    expect(allowed.allowed).toBe(true);
  });

  it("--path limits the check to one folder of the repository", async () => {
    const result = await check(
      { ...promoteCarol, "other/junk.yaml": "not: [valid" },
      { author: "bob-gh", approvers: ["alice-gh"] },
      { "orgs/acme.yaml": orgFile("acme", team()) },
      "orgs",
    );
    expect(result.allowed).toBe(true);
    expect(result.headFiles).toEqual(["orgs/acme.yaml"]);
  });

  it("plans against base: the plan is what the merge changes", async () => {
    const pr = prRepo(
      { "orgs/acme.yaml": orgFile("acme", team()) },
      {
        "orgs/acme.yaml": orgFile(
          "acme",
          team({
            carol: { role: "admin" },
            dave: null,
            frank: { email: "frank@acme.com", role: "member" },
          }),
        ),
      },
    );
    repos.push(pr);
    const { history, close } = historyOf(pr.repo);
    try {
      const view = await computeCheck({
        history,
        base: pr.base,
        head: pr.head,
        author: "alice-gh",
        approvers: [],
      });
      expect(view.report.allowed).toBe(true);
      expect(view.plan?.steps.map((s) => [s.action, s.email])).toEqual([
        ["changeRole", "carol@acme.com"],
        ["invite", "frank@acme.com"],
        ["remove", "dave@acme.com"],
      ]);
    } finally {
      await close();
    }
  });
});
