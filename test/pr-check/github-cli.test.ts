import { describe, expect, it } from "vitest";
import { GitHubPr, TOKEN } from "./github-setup.js";
import { roster, team } from "./pr-repo.js";

// Each run starts a Node process that loads every command: give the shared machine room.
const SLOW = { timeout: 180_000 };

describe("roster check --github (the built CLI)", SLOW, () => {
  it("posts the check and the comment, prints the verdict, exits 0 or 1, never prints the token", async () => {
    const pr = await new GitHubPr(team({ carol: { role: "admin" } })).start();
    try {
      const env = { ...pr.origin.env, GITHUB_TOKEN: TOKEN, GITHUB_API_URL: pr.fake.url };
      const args = [
        "check",
        "--github",
        "--repo-slug",
        "acme/access",
        "--pr",
        "7",
        "--repo",
        pr.clone,
        "-o",
        "json",
      ];
      const denied = await roster(args, pr.origin.root, env);
      expect(denied.code).toBe(1);
      expect(JSON.parse(denied.stdout)).toMatchObject({ allowed: false });
      const id = pr.fake.comments.get("7")![0]!.id;
      expect(denied.stderr).toBe(
        `roster: check run ${pr.fake.checkRuns[0]!.id} posted on ${pr.head.slice(0, 12)}; PR comment ${id} created\n`,
      );
      pr.approve("alice-gh");
      const allowed = await roster(args, pr.origin.root, env);
      expect(allowed.code).toBe(0);
      expect(allowed.stderr).toMatch(new RegExp(`PR comment ${id} updated\\n$`));
      expect(pr.fake.comments.get("7")).toHaveLength(1);
      expect(denied.stdout + denied.stderr + allowed.stdout + allowed.stderr).not.toContain(TOKEN);
    } finally {
      await pr.close();
    }
  });
});
