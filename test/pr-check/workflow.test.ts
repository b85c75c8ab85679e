import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildProgram } from "../../controller/cli/program.js";

const FILE = path.resolve(import.meta.dirname, "../../examples/github-actions/roster-check.yml");

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
  run?: string;
  if?: string;
  env?: Record<string, string>;
}

describe("examples/github-actions/roster-check.yml", () => {
  const workflow = parse(readFileSync(FILE, "utf8")) as {
    on: Record<string, { types: string[] }>;
    permissions: Record<string, string>;
    jobs: { check: { steps: Step[] } };
  };
  const steps = workflow.jobs.check.steps;

  it("runs on the PR events the webhook handles, with the least permissions", () => {
    expect(workflow.on).toEqual({
      pull_request: { types: ["opened", "synchronize", "reopened"] },
      pull_request_review: { types: ["submitted", "dismissed"] },
    });
    expect(workflow.permissions).toEqual({
      contents: "read",
      checks: "write",
      "pull-requests": "write",
    });
  });

  it("checks out the whole history, sets up Node 20, installs with npm ci", () => {
    expect(steps[0]).toMatchObject({ uses: "actions/checkout@v4", with: { "fetch-depth": 0 } });
    expect(steps[1]).toMatchObject({ uses: "actions/setup-node@v4", with: { "node-version": 20 } });
    expect(steps[2]?.run).toBe("npm ci");
  });

  it("runs validate and check --github with flags the CLI really has", () => {
    const runs = steps.map((s) => s.run ?? "").filter((r) => r.includes("roster"));
    expect(runs).toEqual([
      "npx roster validate orgs",
      'npx roster check --github --repo-slug "$GITHUB_REPOSITORY" --pr "$PR_NUMBER" --repo . --path orgs',
    ]);
    const check = steps.find((s) => s.run?.includes("roster check"));
    expect(check?.if).toBe("${{ !cancelled() }}");
    expect(check?.env?.GITHUB_TOKEN).toBe("${{ secrets.GITHUB_TOKEN }}");
    const command = buildProgram().commands.find((c) => c.name() === "check");
    const flags = command?.options.map((o) => o.long) ?? [];
    for (const flag of ["--github", "--repo-slug", "--pr", "--repo", "--path"])
      expect(flags).toContain(flag);
  });
});
