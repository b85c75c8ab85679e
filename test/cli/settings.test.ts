import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { CONFIG_KEYS } from "../../controller/cli/config-file.js";
import { resolveSetting, SETTING_ENV } from "../../controller/cli/settings.js";
import { cli, tempDir } from "./run-cli.js";

const acme = path.resolve("examples/acme");

interface Setting {
  key: string;
  value: string | null;
  origin: { from: string; variable?: string; path?: string };
}

async function effective(cwd: string, args: string[] = [], env: Record<string, string> = {}) {
  const run = await cli(["config", "-o", "json", ...args], { cwd, env });
  expect(run.code, run.stderr).toBe(0);
  const json = JSON.parse(run.stdout) as { file: string | null; settings: Setting[] };
  return { file: json.file, by: Object.fromEntries(json.settings.map((s) => [s.key, s])) };
}

describe(
  "settings: flags, then ROSTER_*, then roster.yaml, then the default",
  { timeout: 60_000 },
  () => {
    let tmp: ReturnType<typeof tempDir> | undefined;
    afterEach(() => tmp?.cleanup());

    it("the precedence holds for every combination of sources (model: the highest one present wins)", () => {
      const present = fc.record({
        flag: fc.boolean(),
        env: fc.boolean(),
        file: fc.boolean(),
        fallback: fc.boolean(),
      });
      fc.assert(
        fc.property(fc.constantFrom(...CONFIG_KEYS), present, (key, p) => {
          const resolved = resolveSetting(key, {
            ...(p.flag ? { flag: "F" } : {}),
            env: p.env ? { [SETTING_ENV[key]]: "E" } : {},
            ...(p.file ? { file: { path: "/r/roster.yaml", values: { [key]: "Y" } } } : {}),
            ...(p.fallback ? { fallback: "D" } : {}),
          });
          const expected = p.flag ? "F" : p.env ? "E" : p.file ? "Y" : p.fallback ? "D" : undefined;
          expect(resolved.value).toBe(expected);
          const from = p.flag
            ? "flag"
            : p.env
              ? "env"
              : p.file
                ? "file"
                : p.fallback
                  ? "default"
                  : "unset";
          expect(resolved.origin.from).toBe(from);
        }),
      );
    });

    it("roster config shows each value and where it came from", async () => {
      tmp = tempDir();
      writeFileSync(
        path.join(tmp.dir, "roster.yaml"),
        "source: orgs\nbackend: sqlite:.roster/p.db\n",
      );
      mkdirSync(path.join(tmp.dir, "sub/deeper"), { recursive: true });
      const cwd = path.join(tmp.dir, "sub/deeper");
      const plain = await effective(cwd);
      expect(plain.file).toBe(path.join(tmp.dir, "roster.yaml"));
      // Relative to roster.yaml, not to where the command runs.
      expect(plain.by.source).toMatchObject({
        value: path.join(tmp.dir, "orgs"),
        origin: { from: "file" },
      });
      expect(plain.by.backend?.value).toBe(`sqlite:${path.join(tmp.dir, ".roster/p.db")}`);
      expect(plain.by.mailer).toMatchObject({ value: "outbox", origin: { from: "default" } });

      const env = await effective(cwd, [], {
        ROSTER_BACKEND: "sqlite:/e.db",
        ROSTER_MAILER: "outbox:/m",
      });
      expect(env.by.backend).toMatchObject({
        value: "sqlite:/e.db",
        origin: { from: "env", variable: "ROSTER_BACKEND" },
      });
      expect(env.by.mailer).toMatchObject({ value: "outbox:/m", origin: { from: "env" } });
      expect(env.by.source?.origin.from).toBe("file");

      const flag = await effective(cwd, ["--backend", "sqlite:f.db"], {
        ROSTER_BACKEND: "sqlite:/e.db",
      });
      expect(flag.by.backend).toMatchObject({ value: "sqlite:f.db", origin: { from: "flag" } });

      const table = await cli(["config"], { cwd, env: { ROSTER_SOURCE: "/x" } });
      expect(table.stdout).toMatch(/^source +\/x +env ROSTER_SOURCE$/m);
      expect(table.stdout).toMatch(/^mailer +outbox +default$/m);
    });

    it("plan and apply read --source and --backend from roster.yaml, found from a subfolder", async () => {
      tmp = tempDir();
      writeFileSync(
        path.join(tmp.dir, "roster.yaml"),
        `source: ${acme}\nbackend: sqlite:state/p.db\n`,
      );
      const sub = path.join(tmp.dir, "docs");
      mkdirSync(sub);
      const applied = await cli(["apply", "--yes"], { cwd: sub });
      expect(applied.code, applied.stderr).toBe(0);
      expect(applied.stdout).toContain("Applied 8,");
      const planned = await cli(["plan"], { cwd: tmp.dir });
      expect(planned.code).toBe(0);
      expect(planned.stdout).toContain("No changes");
      // The environment beats the file: a store that does not exist is an error.
      const env = await cli(["plan"], { cwd: sub, env: { ROSTER_BACKEND: "sqlite:other.db" } });
      expect(env.code).toBe(1);
      expect(env.stderr).toContain("no Portal store at other.db");
      // A flag beats both.
      const flag = await cli(["plan", "--backend", `sqlite:${path.join(tmp.dir, "state/p.db")}`], {
        cwd: sub,
        env: { ROSTER_BACKEND: "sqlite:other.db" },
      });
      expect(flag.code).toBe(0);
      // validate without a path validates the configured source.
      const validated = await cli(["validate"], { cwd: sub });
      expect(validated.code).toBe(0);
      expect(validated.stdout).toMatch(/valid: 1 organization, 8 members in 5 files/);
    });

    it("ROSTER_SOURCE is enough without any file; no source at all is a clear error", async () => {
      tmp = tempDir();
      const none = await cli(["plan"], { cwd: tmp.dir });
      expect(none.code).toBe(1);
      expect(none.stderr).toBe(
        'roster: no source: pass --source, set ROSTER_SOURCE, or add "source:" to roster.yaml (roster init writes one)\n',
      );
      const applied = await cli(["apply", "--yes"], { cwd: tmp.dir, env: { ROSTER_SOURCE: acme } });
      expect(applied.code).toBe(0);
    });

    it("the search stops at the Git work tree's root", async () => {
      tmp = tempDir();
      writeFileSync(path.join(tmp.dir, "roster.yaml"), "source: outer\n");
      const repo = path.join(tmp.dir, "repo");
      mkdirSync(repo);
      expect(spawnSync("git", ["init", "-q"], { cwd: repo }).status).toBe(0);
      const inside = await effective(repo);
      expect(inside.file).toBeNull();
      expect(inside.by.source?.origin.from).toBe("unset");
      writeFileSync(path.join(repo, "roster.yml"), "source: inner\n");
      const own = await effective(repo);
      expect(own.by.source?.value).toBe(path.join(repo, "inner"));
    });

    it("a bad roster.yaml is an error that names the file and the fix", async () => {
      tmp = tempDir();
      const file = path.join(tmp.dir, "roster.yaml");
      writeFileSync(file, "sourc: orgs\n");
      const typo = await cli(["plan"], { cwd: tmp.dir });
      expect(typo.code).toBe(1);
      expect(typo.stderr).toBe(
        `roster: ${file}: unknown setting "sourc" (did you mean "source"?)\n`,
      );
      writeFileSync(file, "source: [a, b]\n");
      const list = await cli(["config"], { cwd: tmp.dir });
      expect(list.stderr).toBe(`roster: ${file}: source must be a non-empty string\n`);
      writeFileSync(file, "source: {\n");
      const broken = await cli(["config"], { cwd: tmp.dir });
      expect(broken.code).toBe(1);
      expect(broken.stderr).toContain(`roster: ${file}: not valid YAML`);
    });

    it("Git URLs, kubernetes and PATH#REF//SUBDIR keep their meaning", async () => {
      tmp = tempDir();
      const file = path.join(tmp.dir, "roster.yaml");
      for (const [written, meant] of [
        [
          "https://github.com/acme/access.git#main//orgs",
          "https://github.com/acme/access.git#main//orgs",
        ],
        ["git@github.com:acme/access.git", "git@github.com:acme/access.git"],
        ["kubernetes:team-a", "kubernetes:team-a"],
        [".#main//orgs", `${tmp.dir}#main//orgs`],
        ["repo//orgs", `${path.join(tmp.dir, "repo")}//orgs`],
      ]) {
        writeFileSync(file, `source: "${written}"\n`);
        expect((await effective(tmp.dir)).by.source?.value).toBe(meant);
      }
    });
  },
);
