import type { Who } from "../audit/test-repo.js";
import { TestRepo } from "../audit/test-repo.js";

export const ALICE: Who = { name: "Alice Owner", email: "alice@acme.com" };
export const BOB: Who = { name: "Bob Admin", email: "bob@acme.com" };

const API = "apiVersion: roster.workjet.io/v1alpha1";

export function member(
  name: string,
  email: string,
  role: string,
  extra: { github?: string; expiresAt?: string } = {},
): string {
  const lines = [
    API,
    "kind: Member",
    `metadata:\n  name: ${name}`,
    `spec:\n  organization: acme\n  email: ${email}\n  role: ${role}`,
  ];
  if (extra.github) lines.push(`  github: ${extra.github}`);
  if (extra.expiresAt) lines.push(`  expiresAt: ${extra.expiresAt}`);
  return `${lines.join("\n")}\n`;
}

export function review(name: string, reviewer: string, reviewedAt: string, notes = ""): string {
  return (
    `${API}\nkind: AccessReview\nmetadata:\n  name: ${name}\nspec:\n  organization: acme\n` +
    `  reviewer: ${reviewer}\n  reviewedAt: ${reviewedAt}\n  scope: all members\n` +
    (notes ? `  notes: ${notes}\n` : "")
  );
}

export interface LifecycleHistory {
  repo: TestRepo;
  sha: {
    create: string;
    addEve: string;
    addFrank: string;
    removeCarol: string;
    demoteBob: string;
    review: string;
  };
}

/** Eve's contract ends at this instant (declared in #2). */
export const EVE_EXPIRES = "2026-02-01T00:00:00.000Z";

/**
 * The lifecycle scenario, with known answers:
 * - #1 2026-01-05 Alice creates acme: alice owner, bob admin, carol member;
 * - #2 2026-01-10 Bob adds eve@ext.io (external) until 2026-02-01T00:00:00Z;
 * - #3 2026-01-15 Bob adds frank@ext.io (external, no expiry);
 * - #4 2026-02-10T12:00 Alice deletes carol's file;
 * - #5 2026-03-01 Alice demotes bob to member;
 * - #6 2026-03-02 Alice records an access review (reviews every 90d).
 */
export function buildLifecycleHistory(): LifecycleHistory {
  const repo = TestRepo.create("roster-lifecycle-");
  const org = (reviews: boolean) =>
    `${API}\nkind: Organization\nmetadata:\n  name: acme\nspec:\n  displayName: Acme\n  domains: [acme.com]\n` +
    (reviews ? "  reviews: { every: 90d }\n" : "");
  repo
    .write("orgs/acme.yaml", org(true))
    .write("members/alice.yaml", member("alice", "alice@acme.com", "owner", { github: "alice-gh" }))
    .write("members/bob.yaml", member("bob", "bob@acme.com", "admin", { github: "bob-gh" }))
    .write("members/carol.yaml", member("carol", "carol@acme.com", "member"));
  const create = repo.commit("Create acme (#1)", "2026-01-05T09:00:00Z", ALICE);
  repo.write(
    "members/eve.yaml",
    member("eve", "eve@ext.io", "member", { expiresAt: "2026-02-01T00:00:00Z" }),
  );
  const addEve = repo.commit("Add eve until February (#2)", "2026-01-10T09:00:00Z", BOB);
  repo.write("members/frank.yaml", member("frank", "frank@ext.io", "member"));
  const addFrank = repo.commit("Add frank (#3)", "2026-01-15T09:00:00Z", BOB);
  repo.remove("members/carol.yaml");
  const removeCarol = repo.commit("Remove carol (#4)", "2026-02-10T12:00:00Z", ALICE);
  repo.write("members/bob.yaml", member("bob", "bob@acme.com", "member", { github: "bob-gh" }));
  const demoteBob = repo.commit("Demote bob (#5)", "2026-03-01T09:00:00Z", ALICE);
  repo.write(
    "reviews/2026-q1.yaml",
    review("acme-2026-q1", "alice@acme.com", "2026-03-02T08:00:00Z"),
  );
  const reviewSha = repo.commit("Access review Q1 (#6)", "2026-03-02T09:00:00Z", ALICE);
  return {
    repo,
    sha: { create, addEve, addFrank, removeCarol, demoteBob, review: reviewSha },
  };
}
