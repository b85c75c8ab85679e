import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { colorEnabled } from "../../controller/cli/colors.js";
import { memberDoc, orgDoc } from "../load/fixtures.js";
import { cli, listTree, tempDir } from "./run-cli.js";

const acme = path.resolve("examples/acme");
const ESC = "\u001b[";

describe("colour: on a terminal, off for NO_COLOR, --no-color and pipes", () => {
  it.each([
    [{}, true, true],
    [{}, undefined, false],
    [{ NO_COLOR: "1" }, true, false],
    [{ NO_COLOR: "" }, true, true], // no-color.org: only a non-empty value disables
    [{ FORCE_COLOR: "1" }, false, true],
    [{ FORCE_COLOR: "0" }, true, false],
    [{ FORCE_COLOR: "1", NO_COLOR: "1" }, true, false],
    [{ TERM: "dumb" }, true, false],
  ])("env %j, tty %s → %s", (env, isTTY, expected) => {
    expect(colorEnabled({ env, isTTY })).toBe(expected);
  });

  it("--no-color wins over FORCE_COLOR", () => {
    expect(colorEnabled({ flag: false, env: { FORCE_COLOR: "1" }, isTTY: true })).toBe(false);
  });
});

describe("plan and apply output", { timeout: 60_000 }, () => {
  let tmp: ReturnType<typeof tempDir> | undefined;
  afterEach(() => tmp?.cleanup());

  const fresh = async () => {
    tmp = tempDir();
    const backend = `sqlite:${path.join(tmp.dir, "p.db")}`;
    expect((await cli(["portal", "init", "--backend", backend], { cwd: tmp.dir })).code).toBe(0);
    return backend;
  };

  it("paints + green and the verdict green under FORCE_COLOR; nothing with NO_COLOR or --no-color", async () => {
    const backend = await fresh();
    const args = ["plan", "--source", acme, "--backend", backend];
    const coloured = await cli(args, { cwd: tmp!.dir, env: { FORCE_COLOR: "1" } });
    expect(coloured.code).toBe(2);
    expect(coloured.stdout).toContain(`  ${ESC}32m+${ESC}39m invite bob@acme.com as admin`);
    expect(coloured.stdout).toContain(`Safety: ${ESC}32mok${ESC}39m`);
    expect(coloured.stderr).toContain(`${ESC}33mwarning:${ESC}39m grace@globex.com`);
    for (const env of [{ FORCE_COLOR: "1", NO_COLOR: "1" }, {}] as Record<string, string>[]) {
      const plain = await cli(args, { cwd: tmp!.dir, env });
      expect(plain.stdout + plain.stderr).not.toContain(ESC);
      expect(plain.stdout).toContain("  + invite bob@acme.com as admin");
    }
    for (const at of [
      [...args, "--no-color"],
      ["--no-color", ...args],
    ]) {
      const off = await cli(at, { cwd: tmp!.dir, env: { FORCE_COLOR: "1" } });
      expect(off.code).toBe(2);
      expect(off.stdout + off.stderr).not.toContain(ESC);
    }
    const json = await cli([...args, "-o", "json"], { cwd: tmp!.dir, env: { FORCE_COLOR: "1" } });
    expect(json.stdout).not.toContain(ESC);
  });

  it("a source warning is marked warning: and counted in the summary (never '0 warnings' below it)", async () => {
    const backend = await fresh();
    const run = await cli(["plan", "--source", acme, "--backend", backend], { cwd: tmp!.dir });
    expect(run.stderr).toMatch(
      /contractors\.yaml:9:10: external-member: warning: grace@globex\.com/,
    );
    expect(run.stdout).toMatch(/; 0 blocked, 1 warning\.\n$/);
  });

  it("apply -o json: the plan, each step's result, the org statuses and the summary; stdout is JSON only", async () => {
    const backend = await fresh();
    const run = await cli(
      ["apply", "--source", acme, "--backend", backend, "--yes", "-o", "json"],
      {
        cwd: tmp!.dir,
      },
    );
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as Record<string, unknown> & {
      plan: { steps: unknown[] };
      results: { action: string; email?: string; result: string }[];
    };
    expect(Object.keys(report)).toEqual(["plan", "results", "orgs", "summary", "mail", "ok"]);
    expect(report.plan.steps).toHaveLength(8);
    expect(report.results).toHaveLength(8);
    expect(report.results[0]).toMatchObject({
      action: "createOrganization",
      org: "acme",
      result: "applied",
    });
    expect(report.results.find((r) => r.email === "bob@acme.com")).toMatchObject({
      action: "invite",
      role: "admin",
      result: "applied",
    });
    expect(report.orgs).toEqual([{ org: "acme", status: "synced" }]);
    expect(report.summary).toEqual({ applied: 8, unchanged: 0, failed: 0, blocked: 0 });
    // Every invitation's mail went to the outbox folder in this apply.
    expect(report.mail).toEqual({
      via: expect.stringMatching(/^outbox:/),
      delivered: 7,
      pending: [],
      failed: [],
    });
    expect(report.ok).toBe(true);

    const again = await cli(
      ["apply", "--source", acme, "--backend", backend, "--yes", "-o", "json"],
      {
        cwd: tmp!.dir,
      },
    );
    expect(JSON.parse(again.stdout)).toMatchObject({
      results: [],
      summary: { applied: 0 },
      ok: true,
    });
  });

  it("a refusal is said once: 'acme: max-removals: 2 removals planned…', and apply -o json says ok: false", async () => {
    const backend = await fresh();
    const src = path.join(tmp!.dir, "src");
    mkdirSync(src);
    const org = orgDoc("acme", "  domains: [acme.com]\n  safety: { maxRemovals: 1 }\n");
    writeFileSync(path.join(src, "org.yaml"), org);
    writeFileSync(
      path.join(src, "members.yaml"),
      [
        memberDoc("alice", "alice@acme.com", "owner"),
        memberDoc("bob", "bob@acme.com"),
        memberDoc("carol", "carol@acme.com"),
      ].join("---\n"),
    );
    const opts = { cwd: tmp!.dir };
    expect((await cli(["apply", "--source", src, "--backend", backend, "--yes"], opts)).code).toBe(
      0,
    );
    for (const who of ["bob", "carol"]) {
      const accepted = await cli(
        ["portal", "accept", `${who}@acme.com`, "--org", "acme", "--backend", backend],
        opts,
      );
      expect(accepted.code).toBe(0);
    }
    writeFileSync(path.join(src, "members.yaml"), memberDoc("alice", "alice@acme.com", "owner"));
    const planned = await cli(["plan", "--source", src, "--backend", backend], opts);
    expect(planned.code).toBe(1);
    expect(planned.stdout).toMatch(
      /^ {2}acme: max-removals: 2 removals planned, more than the limit of 1/m,
    );
    expect(planned.stdout).not.toMatch(/acme: max-removals: acme:/);
    const applied = await cli(
      ["apply", "--source", src, "--backend", backend, "--yes", "-o", "json"],
      opts,
    );
    expect(applied.code).toBe(1);
    expect(JSON.parse(applied.stdout)).toMatchObject({
      ok: false,
      orgs: [{ org: "acme", status: "refused" }],
    });
    expect(applied.stderr + applied.stdout).not.toMatch(/acme: [^\n]*acme: 2 removals/);
  });

  it("an unreadable source is named once", async () => {
    const backend = await fresh();
    const run = await cli(["plan", "--source", "nowhere", "--backend", backend], { cwd: tmp!.dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("roster: cannot read source nowhere: no such file or folder\n");
  });
});

describe("export --token-file", { timeout: 60_000 }, () => {
  it("exists, so the message that asks for it can be followed", async () => {
    const tmp = tempDir();
    try {
      writeFileSync(path.join(tmp.dir, "key"), "rk_0123456789abcdef0123456789abcdef\n");
      const missing = await cli(["export", "--backend", "http://127.0.0.1:1"], { cwd: tmp.dir });
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain("pass --token-file FILE or set ROSTER_TOKEN");
      const given = await cli(
        ["export", "--backend", "http://127.0.0.1:1", "--token-file", "key"],
        {
          cwd: tmp.dir,
        },
      );
      // Past the key: the only problem left is that nothing listens on port 1.
      expect(given.code).toBe(1);
      expect(given.stderr).not.toContain("needs an API key");
      expect(given.stderr).toContain("connection failed");
      // Read-only: no controller state file (.roster/state.db) was made on the way.
      const planned = await cli(
        ["plan", "--source", acme, "--backend", "http://127.0.0.1:1", "--token-file", "key"],
        { cwd: tmp.dir },
      );
      expect(planned.code).toBe(1);
      expect(listTree(tmp.dir)).toEqual(["key"]);
    } finally {
      tmp.cleanup();
    }
  });
});
