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
      pull_request_target: { types: ["opened", "synchronize", "reopened"] },
      pull_request_review: { types: ["submitted", "dismissed"] },
    });
    expect(workflow.permissions).toEqual({
      contents: "read",
      checks: "write",
      "pull-requests": "write",
    });
  });

  it("runs the checker from the base commit, installed pinned from the registry", () => {
    expect(steps[0]).toMatchObject({
      uses: "actions/checkout@v4",
      with: {
        ref: "${{ github.event.pull_request.base.sha }}",
        "fetch-depth": 0,
        "persist-credentials": false,
      },
    });
    expect(steps[1]).toMatchObject({ uses: "actions/setup-node@v4", with: { "node-version": 20 } });
    expect(steps[2]?.run).toMatch(/^npm install --global .*@workjet\/roster@\d+\.\d+\.\d+$/);
    const pkg = JSON.parse(readFileSync(path.resolve("package.json"), "utf8")) as {
      name: string;
      bin: Record<string, string>;
    };
    expect(pkg.name).toBe("@workjet/roster");
    expect(Object.keys(pkg.bin)).toEqual(["roster"]);
  });

  it("never runs the PR's code: no npm ci, no npx, no checkout of the head", () => {
    const text = readFileSync(FILE, "utf8").replace(/^\s*#.*$/gm, "");
    expect(text).not.toMatch(/npm ci|npx |npm (run|test|start)|head\.sha|head\.ref/);
    expect(steps.filter((s) => s.uses?.startsWith("actions/checkout"))).toHaveLength(1);
    const fetch = steps.find((s) => s.run?.includes("fetch"));
    expect(fetch?.run).toContain("refs/pull/$PR_NUMBER/head:refs/roster/pr-head");
  });

  it("runs validate and check --github with flags the CLI really has", () => {
    const runs = steps.map((s) => s.run ?? "").filter((r) => /^(npm|roster) /.test(r));
    expect(runs).toEqual([
      "npm install --global @workjet/roster@0.1.0",
      'roster check --github --repo-slug "$GITHUB_REPOSITORY" --pr "$PR_NUMBER" --repo . --path orgs',
    ]);
    const check = steps.find((s) => s.run?.includes("roster check"));
    expect(check?.env?.GITHUB_TOKEN).toBe("${{ secrets.GITHUB_TOKEN }}");
    const command = buildProgram().commands.find((c) => c.name() === "check");
    const flags = command?.options.map((o) => o.long) ?? [];
    for (const flag of ["--github", "--repo-slug", "--pr", "--repo", "--path"])
      expect(flags).toContain(flag);
  });
});
