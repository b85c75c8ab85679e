import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { root } from "./cli-helpers.js";

// semver comes with npm's own tooling in node_modules (eslint, vite); no types needed for one call.
const semver = createRequire(import.meta.url)("semver") as {
  satisfies(version: string, range: string): boolean;
  minVersion(range: string): { version: string };
};

interface Lock {
  packages: Record<string, { engines?: { node?: string }; dev?: boolean }>;
}

describe("installing roster", { timeout: 120_000 }, () => {
  it("every locked dependency accepts the oldest Node that package.json's engines allow", () => {
    const pkg = JSON.parse(readFileSync(`${root}/package.json`, "utf8")) as {
      engines: { node: string };
    };
    const oldest = semver.minVersion(pkg.engines.node).version;
    const lock = JSON.parse(readFileSync(`${root}/package-lock.json`, "utf8")) as Lock;
    const refusing = Object.entries(lock.packages)
      .filter(([name, p]) => name !== "" && p.engines?.node !== undefined)
      .filter(([, p]) => !semver.satisfies(oldest, p.engines?.node ?? "*"))
      .map(([name, p]) => `${name} requires node ${p.engines?.node}`);
    // content-type 3 (via @octokit/request) says >=22: package.json overrides it with 2.1.0.
    expect(refusing).toEqual([]);
  });

  it("the package holds what roster init copies and the built CLI", () => {
    const r = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
      cwd: root,
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
    const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]?.files.map(
      (f) => f.path,
    );
    expect(files).toContain("examples/github-actions/roster-check.yml");
    expect(files).toContain("dist/controller/cli/main.js");
    expect(files).toContain("README.md");
  });
});
