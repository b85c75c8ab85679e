import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { API, memberDoc, orgDoc } from "../load/fixtures.js";
import { cli, tempDir } from "./run-cli.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe("did you mean", { timeout: 60_000 }, () => {
  it("an unknown flag is reported as unknown, with the flag it resembles (not as a missing --source)", async () => {
    const run = await cli(["plan", "--sourc", "examples/acme"], { cwd: tmp.dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error: unknown option '--sourc'");
    expect(run.stderr).toContain("(Did you mean --source?)");
    expect(run.stderr).not.toContain("required option");
  });

  it("an unknown command suggests the command", async () => {
    const run = await cli(["plna"], { cwd: tmp.dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("(Did you mean plan?)");
  });

  it.each([
    [
      "kind Membr",
      `apiVersion: ${API}\nkind: Membr\nmetadata:\n  name: x\n`,
      'did you mean "Member"?',
    ],
    [
      "kind organization",
      `apiVersion: ${API}\nkind: organization\nmetadata:\n  name: x\n`,
      'did you mean "Organization"?',
    ],
    ["role Owner (case)", memberDoc("alice", "alice@acme.com", "Owner"), 'did you mean "owner"?'],
    ["role admn", memberDoc("alice", "alice@acme.com", "admn"), 'did you mean "admin"?'],
  ])("%s", async (_, doc, hint) => {
    const file = path.join(tmp.dir, `${_.replace(/\W+/g, "-")}.yaml`);
    writeFileSync(
      file,
      doc.startsWith(`apiVersion: ${API}\nkind: Member\n`) ? `${orgDoc("acme")}---\n${doc}` : doc,
    );
    const run = await cli(["validate", file], { cwd: tmp.dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`hint: ${hint}`);
    const json = await cli(["validate", file, "-o", "json"], { cwd: tmp.dir });
    const issues = (JSON.parse(json.stdout) as { issues: { hint?: string }[] }).issues;
    expect(issues.some((i) => i.hint?.startsWith(hint))).toBe(true);
  });

  it("a role far from every role gets the list, not a guess", async () => {
    const file = path.join(tmp.dir, "far.yaml");
    writeFileSync(
      file,
      `${orgDoc("acme")}---\n${memberDoc("alice", "alice@acme.com", "superuser")}`,
    );
    const run = await cli(["validate", file], { cwd: tmp.dir });
    expect(run.stdout).toContain("hint: R1: the roles are exactly owner, admin, member");
    expect(run.stdout).not.toContain("did you mean");
  });

  it("completion for an unknown shell suggests the shell", async () => {
    const run = await cli(["completion", "bsh"], { cwd: tmp.dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('roster: no completion for "bsh" (did you mean bash?)\n');
  });
});
