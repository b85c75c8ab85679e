import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { memberDoc, orgDoc } from "../load/fixtures.js";
import { roster, root } from "./cli-helpers.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "roster-validate-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
/** A tree in a temp folder; returns its path. */
function tree(files: Record<string, string>): string {
  const dir = path.join(tmp, `t${n++}`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}
const valid = () => ({
  "org.yaml": orgDoc("acme"),
  "members/alice.yaml": memberDoc("alice", "alice@acme.com", "owner"),
});

// Each case spawns the CLI: generous timeouts for a loaded CI machine, no timing assertions.
describe("roster validate", { timeout: 120_000 }, () => {
  it("accepts examples/acme with one warning for the external collaborator", () => {
    const r = roster(["validate", "examples/acme"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      "examples/acme/members/contractors.yaml:9:10: external-member: warning: grace@globex.com is outside",
    );
    expect(r.stdout).toMatch(/^valid: 1 organization, 8 members in 5 files \(1 warning\)$/m);
  });

  it("accepts examples/multi-org", () => {
    const r = roster(["validate", "examples/multi-org"]);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe("valid: 2 organizations, 6 members in 3 files");
  });

  it("validates the current folder by default and names files relative to it", () => {
    const r = roster(["validate"], path.join(root, "examples/acme"));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("members/contractors.yaml:9:10: external-member");
  });

  it("reads several paths as one tree", () => {
    const r = roster(["validate", "examples/acme/organization.yaml", "examples/acme/members"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/valid: 1 organization, 8 members in 5 files/);
    const orgOnly = roster(["validate", "examples/acme/organization.yaml"]);
    expect(orgOnly.status).toBe(1);
    expect(orgOnly.stdout).toContain("examples/acme/organization.yaml:5:9: R2-no-owner:");
  });

  const bad: [string, Record<string, string>, string][] = [
    [
      "a YAML syntax error",
      { "members/bob.yaml": "kind: Member\nspec: {role: admin\n" },
      "members/bob.yaml:3:1: yaml-syntax:",
    ],
    [
      "an unknown field",
      { "members/bob.yaml": memberDoc("bob", "bob@acme.com") + "  rol: admin\n" },
      'members/bob.yaml:9:3: schema: unknown field "spec.rol"',
    ],
    [
      "an unknown role",
      { "members/bob.yaml": memberDoc("bob", "bob@acme.com", "root") },
      "members/bob.yaml:8:9: unknown-role:",
    ],
    [
      "an invalid email",
      { "members/bob.yaml": memberDoc("bob", "bob@@acme.com") },
      "members/bob.yaml:7:10: invalid-email:",
    ],
    [
      "a second owner",
      { "members/bob.yaml": memberDoc("bob", "bob@acme.com", "owner") },
      "members/bob.yaml:8:9: R2-multiple-owners:",
    ],
    [
      "a duplicate member",
      { "members/bob.yaml": memberDoc("bob", "ALICE@acme.com") },
      "members/bob.yaml:7:10: duplicate-member:",
    ],
    [
      "an unknown organization",
      { "members/bob.yaml": memberDoc("bob", "bob@acme.com", "member", "acmee") },
      "members/bob.yaml:6:17: unknown-organization:",
    ],
    [
      "deep nesting",
      { "members/deep.yaml": "spec: " + "[".repeat(100_000) + "]".repeat(100_000) + "\n" },
      "members/deep.yaml:1:70: yaml-depth:",
    ],
  ];

  it.each(bad)("refuses %s naming file:line:col (exit 1)", (_name, files, line) => {
    const dir = tree({ ...valid(), ...files });
    const r = roster(["validate", dir]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`${dir}/${line}`);
    expect(r.stdout).toMatch(/^invalid: \d+ errors?/m);
  });

  it("refuses a file over 10 MiB without reading it", () => {
    const dir = tree(valid());
    writeFileSync(path.join(dir, "huge.yaml"), "# padding\n".repeat(1_100_000));
    const r = roster(["validate", dir]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`${dir}/huge.yaml:1:1: file-too-large:`);
  });

  it("prints hints under the issue", () => {
    const dir = tree({
      ...valid(),
      "members/bob.yaml": memberDoc("bob", "bob@acme.com") + "  emial: x\n",
    });
    const r = roster(["validate", dir]);
    expect(r.stdout).toContain(
      `${dir}/members/bob.yaml:9:3: schema: unknown field "spec.emial"\n  hint: did you mean "email"?`,
    );
  });

  it("-o json prints exactly { valid, issues[] }", () => {
    const dir = tree({ ...valid(), "members/bob.yaml": memberDoc("bob", "bob@gmail.com", "root") });
    const r = roster(["validate", dir, "-o", "json"]);
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout) as { valid: boolean; issues: Record<string, unknown>[] };
    expect(Object.keys(out)).toEqual(["valid", "issues"]);
    expect(out.valid).toBe(false);
    expect(out.issues).toEqual([
      {
        file: `${dir}/members/bob.yaml`,
        line: 8,
        col: 9,
        rule: "unknown-role",
        severity: "error",
        message: 'unknown role "root"',
        hint: "R1: the roles are exactly owner, admin, member",
      },
    ]);
    const ok = JSON.parse(roster(["validate", "examples/acme", "-o", "json"]).stdout) as typeof out;
    expect(ok.valid).toBe(true);
    expect(ok.issues.map((i) => Object.keys(i))).toEqual([
      ["file", "line", "col", "rule", "severity", "message", "hint"],
    ]);
    expect(ok.issues[0]).toMatchObject({ rule: "external-member", severity: "warning" });
  });

  it("says there is nothing to validate in an empty folder (exit 1)", () => {
    const dir = tree({ "README.txt": "not yaml" });
    const r = roster(["validate", dir]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(
      `${dir}:1:1: empty-source: nothing to validate: no .yaml or .yml files`,
    );
  });

  it("fails clearly on a path that does not exist", () => {
    const r = roster(["validate", path.join(tmp, "missing")]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot read source .*missing: no such file or folder/);
  });

  it("rejects an unknown output format", () => {
    const r = roster(["validate", "examples/acme", "-o", "xml"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('unknown output format "xml"');
  });
});
