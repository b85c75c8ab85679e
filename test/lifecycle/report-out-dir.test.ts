import { spawnSync } from "node:child_process";
import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestRepo } from "../audit/test-repo.js";
import { CLI } from "../e2e-apply/harness.js";
import { member } from "./lifecycle-history.js";

// `roster report --out DIR` into a folder others can write (a shared /tmp, a CI workspace):
// a planted `index.html.tmp` link must not make Roster write through it into another file.
const ORG =
  "apiVersion: roster.workjet.io/v1alpha1\nkind: Organization\nmetadata:\n  name: acme\nspec:\n  displayName: acme\n  domains: [acme.com]\n";

let repo: TestRepo;

beforeAll(() => {
  repo = TestRepo.create("roster-report-out-");
  repo.write("acme.yaml", [ORG, member("alice", "alice@acme.com", "owner")].join("---\n"));
  repo.commit("create acme", "2026-01-05T09:00:00Z", { name: "A", email: "alice@acme.com" });
});

afterAll(() => repo.cleanup());

describe("roster report writes only its own file", () => {
  it("a planted index.html.tmp link is not followed: its target keeps its content", () => {
    const out = path.join(repo.root, "shared");
    const victim = path.join(repo.root, "victim.txt");
    writeFileSync(victim, "precious\n");
    spawnSync("mkdir", ["-p", out]);
    symlinkSync(victim, path.join(out, "index.html.tmp"));
    const run = spawnSync(process.execPath, [CLI, "report", "--repo", repo.dir, "--out", out], {
      cwd: repo.root,
      env: repo.env,
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
    expect(readFileSync(path.join(out, "index.html"), "utf8")).toContain("alice@acme.com");
  });
});
