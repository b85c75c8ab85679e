import { describe, expect, it } from "vitest";
import {
  findByEmail,
  hasEmail,
  sortedByEmail,
  sortedEmails,
} from "../../controller/plan/sorted-index.js";

describe("sorted-index (the merge walk's precondition)", () => {
  it("returns sorted, normalised input as is (no copy)", () => {
    const items = [{ email: "a@x.io" }, { email: "b@x.io" }, { email: "c@x.io" }];
    expect(sortedByEmail(items)).toBe(items);
    const emails = ["a@x.io", "b@x.io"];
    expect(sortedEmails(emails)).toBe(emails);
  });

  it("normalises, de-duplicates (last wins) and sorts anything else", () => {
    const items = [
      { email: "c@x.io", n: 1 },
      { email: " B@X.io", n: 2 },
      { email: "a@x.io", n: 3 },
      { email: "b@x.io", n: 4 },
    ];
    expect(sortedByEmail(items)).toEqual([
      { email: "a@x.io", n: 3 },
      { email: "b@x.io", n: 4 },
      { email: "c@x.io", n: 1 },
    ]);
    expect(items[1]).toEqual({ email: " B@X.io", n: 2 }); // input untouched
    expect(sortedEmails(["b@x.io", "A@x.io", "b@x.io"])).toEqual(["a@x.io", "b@x.io"]);
  });

  it("finds by binary search", () => {
    const items = Array.from({ length: 101 }, (_, i) => ({
      email: `u${String(i).padStart(3, "0")}@x.io`,
    }));
    for (const item of items) expect(findByEmail(items, item.email)).toBe(item);
    expect(findByEmail(items, "u100a@x.io")).toBeUndefined();
    expect(findByEmail([], "a@x.io")).toBeUndefined();
    expect(hasEmail(["a@x.io", "c@x.io"], "c@x.io")).toBe(true);
    expect(hasEmail(["a@x.io", "c@x.io"], "b@x.io")).toBe(false);
  });
});
