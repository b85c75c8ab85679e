import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { annotationsOf } from "../../controller/cli/pr-check/github-check.js";
import { computeCheck } from "../../controller/cli/pr-check/compute.js";
import type { PrRepo } from "./pr-repo.js";
import { historyOf, prRepo, roster } from "./pr-repo.js";

// Issue 15's new surface through `roster check` on real repositories: a declared expiry revokes
// access (or, removed, keeps it), and an AccessReview is evidence signed by an owner or admin.
// Neither may be changed by someone the policy would not let make the same change directly.
const SLOW = { timeout: 180_000 };
const API = "apiVersion: roster.workjet.io/v1alpha1";
const PAST = "2020-01-01T00:00:00Z";
const FUTURE = "2099-01-01T00:00:00Z";
const LATER = "2099-06-01T00:00:00Z";

interface Person {
  name: string;
  role: "owner" | "admin" | "member";
  expiresAt?: string;
}

const PEOPLE: Person[] = [
  { name: "alice", role: "owner" },
  { name: "bob", role: "admin" },
  { name: "erin", role: "admin" },
  { name: "carol", role: "member" },
  { name: "dave", role: "member" },
];

/** acme with PEOPLE (logins `<name>-gh`), some given an expiry, plus extra documents. */
function acme(expiry: Record<string, string> = {}, extra: string[] = [], spec = ""): string {
  return [
    `${API}\nkind: Organization\nmetadata:\n  name: acme\nspec:\n  displayName: acme\n  domains: [acme.com]\n  safety: { maxRemovals: 1 }\n${spec}`,
    ...PEOPLE.map(
      (p) =>
        `${API}\nkind: Member\nmetadata:\n  name: ${p.name}\nspec:\n  organization: acme\n  email: ${p.name}@acme.com\n  role: ${p.role}\n  github: ${p.name}-gh\n` +
        (expiry[p.name] ? `  expiresAt: "${expiry[p.name]}"\n` : ""),
    ),
    ...extra,
  ].join("---\n");
}

function review(name: string, reviewer: string, reviewedAt = "2024-05-01T09:00:00Z"): string {
  return `${API}\nkind: AccessReview\nmetadata:\n  name: ${name}\nspec:\n  organization: acme\n  reviewer: ${reviewer}\n  reviewedAt: "${reviewedAt}"\n  scope: all members\n`;
}

interface JsonChange {
  email: string;
  change: string;
  from: string | null;
  to: string | null;
  rule: string;
  satisfiedBy?: string;
  missing?: string;
}

const repos: PrRepo[] = [];
function pr(base: string, head: string): PrRepo {
  const r = prRepo({ "acme.yaml": base }, { "acme.yaml": head });
  repos.push(r);
  return r;
}

async function check(repo: PrRepo, author: string, approvers: string[] = []) {
  const run = await roster(
    ["check", "--repo", repo.repo.dir, "--base", "main", "--head", "pr", "--author", author]
      .concat(approvers.flatMap((a) => ["--approver", a]))
      .concat(["-o", "json"]),
    repo.repo.root,
    { ...repo.repo.env, NO_COLOR: "1" },
  );
  const body = JSON.parse(run.stdout) as {
    allowed: boolean;
    changes: JsonChange[];
    issues: { rule: string; severity: string; message: string }[];
  };
  return { code: run.code, ...body };
}

let massExpiry: PrRepo;
let selfExtension: PrRepo;
let adminExtension: PrRepo;
let forgedReview: PrRepo;
let promotedReviewer: PrRepo;
let relaxedCadence: PrRepo;

beforeAll(() => {
  // Everyone but the owner gets an expiry already past: at merge, every admin and member goes.
  massExpiry = pr(acme(), acme({ bob: PAST, erin: PAST, carol: PAST, dave: PAST }));
  // carol's access ends in 2099; she drops the date: access for ever.
  selfExtension = pr(acme({ carol: FUTURE }), acme());
  // erin's admin access is moved later: keeping an admin longer grants admin (R4).
  adminExtension = pr(acme({ erin: FUTURE }), acme({ erin: LATER }));
  // A member adds a review "signed" by the owner, which silences spec.reviews.every.
  forgedReview = pr(acme(), acme({}, [review("q2", "alice@acme.com")]));
  // carol is made admin and signs a review in the same PR.
  promotedReviewer = pr(
    acme(),
    acme({}, [review("q2", "carol@acme.com")]).replace(
      "email: carol@acme.com\n  role: member",
      "email: carol@acme.com\n  role: admin",
    ),
  );
  // The review cadence is a control an auditor relies on: stretched to a century by nobody.
  relaxedCadence = pr(
    acme({}, [], "  reviews: { every: 90d }\n  expiry: { warnBefore: 7d }\n"),
    acme({}, [], "  reviews: { every: 36500d }\n  expiry: { warnBefore: 1s }\n"),
  );
});

afterAll(() => {
  for (const r of repos) r.repo.cleanup();
});

describe("expiry changes are judged like the removal or grant they are", SLOW, () => {
  it("a past expiry on every admin and member, by nobody, is denied change by change", async () => {
    const byNobody = await check(massExpiry, "stranger");
    expect(byNobody.code).toBe(1);
    expect(byNobody.allowed).toBe(false);
    const expiries = byNobody.changes.filter((c) => c.change === "expiryChanged");
    expect(expiries.map((c) => [c.email, c.from, c.to, c.rule, c.missing !== undefined])).toEqual(
      ["bob", "carol", "dave", "erin"].map((n) => [
        `${n}@acme.com`,
        null,
        "2020-01-01T00:00:00.000Z",
        "R3",
        true,
      ]),
    );
    // A member may not remove anyone either (R3): carol's own login is no authority.
    expect((await check(massExpiry, "carol-gh")).allowed).toBe(false);
    // An admin may remove members and admins (R3): the removal, not the date, is judged.
    const byAdmin = await check(massExpiry, "bob-gh");
    expect(byAdmin.changes.every((c) => c.satisfiedBy === "bob-gh")).toBe(true);
    // Allowed, but reviewers see that it removes more than a deletion of files could.
    expect(byAdmin.issues.map((i) => [i.rule, i.severity, i.message])).toContainEqual([
      "pr-policy",
      "warning",
      "4 members of acme get an expiry already past in this pull request (bob@acme.com, carol@acme.com, dave@acme.com, erin@acme.com): removed at merge, not capped by the removal limit, more than safety.maxRemovals allows for deletions (1)",
    ]);
  });

  it("a member may not drop their own expiry; the owner may, an admin may for a member", async () => {
    const own = await check(selfExtension, "carol-gh", ["carol-gh"]);
    expect(own.code).toBe(1);
    const change = own.changes.find((c) => c.change === "expiryChanged");
    expect(change).toMatchObject({ email: "carol@acme.com", to: null, rule: "R3" });
    expect(change?.missing).toContain("carol-gh may not approve their own elevation");
    expect((await check(selfExtension, "carol-gh", ["bob-gh"])).code).toBe(0);
  });

  it("keeping an admin for longer needs the owner (R4), not another admin", async () => {
    const byAdmin = await check(adminExtension, "bob-gh");
    expect(byAdmin.code).toBe(1);
    expect(byAdmin.changes).toEqual([
      expect.objectContaining({ email: "erin@acme.com", change: "expiryChanged", rule: "R4" }),
    ]);
    // erin may not extend herself, even though she is an admin at base.
    expect((await check(adminExtension, "erin-gh")).code).toBe(1);
    expect((await check(adminExtension, "bob-gh", ["alice-gh"])).code).toBe(0);
  });
});

describe("an AccessReview is signed by its reviewer in the pull request", SLOW, () => {
  it("a review naming the owner, authored by a member without the owner's approval, is denied", async () => {
    const forged = await check(forgedReview, "carol-gh");
    expect(forged.code).toBe(1);
    expect(forged.changes).toEqual([
      expect.objectContaining({ change: "reviewAdded", rule: "review-sign", to: "alice@acme.com" }),
    ]);
    expect(forged.changes[0]?.missing).toContain("alice@acme.com");
    // Another admin's approval does not sign for the owner.
    expect((await check(forgedReview, "carol-gh", ["bob-gh"])).code).toBe(1);
    // The reviewer approving (or authoring) is the signature.
    const signed = await check(forgedReview, "carol-gh", ["alice-gh"]);
    expect(signed.code).toBe(0);
    expect(signed.changes[0]?.satisfiedBy).toBe("alice-gh");
  });

  it("the check run annotates the forged review where head declares it", async () => {
    const { history, close } = historyOf(forgedReview.repo);
    try {
      const view = await computeCheck({
        history,
        base: forgedReview.base,
        head: forgedReview.head,
        author: "carol-gh",
        approvers: [],
      });
      const line = acme({}, [review("q2", "alice@acme.com")])
        .split("\n")
        .indexOf("kind: AccessReview");
      expect(annotationsOf(view)).toEqual([
        expect.objectContaining({
          path: "acme.yaml",
          line,
          title: "review-sign: reviewAdded q2",
        }),
      ]);
    } finally {
      await close();
    }
  });

  it("a reviewer made admin in the same pull request may not sign it", async () => {
    // The owner approves the promotion; carol's review still needs an admin at base.
    const run = await check(promotedReviewer, "carol-gh", ["alice-gh"]);
    expect(run.code).toBe(1);
    const signature = run.changes.find((c) => c.change === "reviewAdded");
    expect(signature?.missing).toContain("carol@acme.com");
  });
});

describe("the lifecycle settings of an Organization are changes too", SLOW, () => {
  it("reviews.every needs the owner, expiry.warnBefore an admin", async () => {
    const byNobody = await check(relaxedCadence, "stranger");
    expect(byNobody.code).toBe(1);
    const rows = byNobody.changes.map((c) => [
      c.change,
      (c as { field?: string }).field,
      c.from,
      c.to,
      c.rule,
    ]);
    expect(rows).toEqual([
      ["settingChanged", "expiry.warnBefore", "1w", "1s", "admin-settings"],
      ["settingChanged", "reviews.every", "90d", "36500d", "owner-settings"],
    ]);
    const byAdmin = await check(relaxedCadence, "bob-gh");
    expect(byAdmin.changes.map((c) => c.missing === undefined)).toEqual([true, false]);
    expect((await check(relaxedCadence, "bob-gh", ["alice-gh"])).code).toBe(0);
  });
});
