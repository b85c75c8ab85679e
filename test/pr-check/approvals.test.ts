import { describe, expect, it } from "vitest";
import { approvalsAt } from "../../controller/adapters/github/index.js";

describe("approvalsAt", () => {
  const review = (id: number, login: string, state: string, sha = "h", minute = id) => ({
    id,
    user: { login },
    state,
    commit_id: sha,
    submitted_at: `2024-05-03T10:${String(minute).padStart(2, "0")}:00Z`,
  });

  it.each([
    ["an approval at head", [review(1, "a", "APPROVED")], ["a"], []],
    ["an approval of an older commit is stale", [review(1, "a", "APPROVED", "old")], [], ["a"]],
    [
      "a later change request replaces it",
      [review(1, "a", "APPROVED"), review(2, "a", "CHANGES_REQUESTED")],
      [],
      [],
    ],
    [
      "a dismissed approval counts for nothing",
      [review(1, "a", "APPROVED"), review(2, "a", "DISMISSED")],
      [],
      [],
    ],
    [
      "a later approval replaces a change request",
      [review(1, "a", "CHANGES_REQUESTED"), review(2, "a", "APPROVED")],
      ["a"],
      [],
    ],
    [
      "a comment does not replace an approval (as on GitHub)",
      [review(1, "a", "APPROVED"), review(2, "a", "COMMENTED")],
      ["a"],
      [],
    ],
    ["a pending (draft) review is ignored", [review(1, "a", "PENDING")], [], []],
    [
      "reviewers compare case-insensitively",
      [review(1, "Al", "APPROVED"), review(2, "al", "CHANGES_REQUESTED")],
      [],
      [],
    ],
    [
      "order is by submission time, not list order",
      [review(2, "a", "APPROVED", "h", 9), review(1, "a", "CHANGES_REQUESTED", "h", 1)],
      ["a"],
      [],
    ],
  ])("%s", (_title, reviews, approvers, stale) => {
    expect(approvalsAt(reviews, "h")).toEqual({ approvers, stale });
  });
});
