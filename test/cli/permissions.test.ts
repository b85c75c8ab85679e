import { describe, expect, it } from "vitest";
import { roster } from "./cli-helpers.js";

/** The seed's "Role Permissions" table, verbatim (seed/team-management.txt). */
const SEED_TABLE = `Permission Owner Admin Member
Use chat, assistants, engines Yes Yes Yes
Create and manage skills Yes Yes Yes
View own usage Yes Yes Yes
View team usage Yes Yes No
Invite and remove users Yes Yes No
Configure gateway routing Yes Yes No
Manage DLP policies Yes Yes No
View audit logs Yes Yes No
Create API keys Yes Yes No
Manage billing Yes No No
Delete organization Yes No No
Transfer ownership Yes No No`;

function seedRows() {
  return SEED_TABLE.split("\n")
    .slice(1)
    .map((line) => {
      const m = /^(.*) (Yes|No) (Yes|No) (Yes|No)$/.exec(line)!;
      return {
        permission: m[1],
        owner: m[2] === "Yes",
        admin: m[3] === "Yes",
        member: m[4] === "Yes",
      };
    });
}

describe("roster permissions", { timeout: 120_000 }, () => {
  it("-o json equals the seed's table, 12 permissions x 3 roles", () => {
    const r = roster(["permissions", "-o", "json"]);
    expect(r.status).toBe(0);
    const rows = JSON.parse(r.stdout) as unknown[];
    expect(rows).toHaveLength(12);
    expect(rows).toEqual(seedRows());
  });

  it("prints a table with one column per role", () => {
    const r = roster(["permissions"]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^PERMISSION\s+OWNER\s+ADMIN\s+MEMBER$/);
    expect(lines).toHaveLength(13);
    expect(lines.find((l) => l.startsWith("Manage billing"))).toMatch(/yes\s+no\s+no$/);
  });

  it("--role narrows to one role", () => {
    const r = roster(["permissions", "--role", "admin", "-o", "json"]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(
      seedRows().map(({ permission, admin }) => ({ permission, admin })),
    );
  });

  it("refuses an unknown role", () => {
    const r = roster(["permissions", "--role", "guest"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('unknown role "guest" (use one of: owner, admin, member)');
  });
});

describe("roster --help and --version", { timeout: 120_000 }, () => {
  it.each(["validate", "permissions", "crds"])("%s --help carries an example", (command) => {
    const r = roster([command, "--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`Example:\\n\\s+\\$ roster ${command}`));
  });

  it("--version prints the package version", () => {
    const r = roster(["--version"]);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
