import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cli, tempDir } from "./run-cli.js";

const SECRET = "hunter2PASSWORD";

describe("roster config never prints a password found in a setting", { timeout: 60_000 }, () => {
  let tmp: ReturnType<typeof tempDir> | undefined;
  afterEach(() => tmp?.cleanup());

  it("a password in ROSTER_MAILER, ROSTER_BACKEND or roster.yaml is masked in table and json", async () => {
    tmp = tempDir();
    writeFileSync(
      path.join(tmp.dir, "roster.yaml"),
      `source: "https://git:${SECRET}@127.0.0.1/access.git"\n`,
    );
    const env = {
      ROSTER_MAILER: `smtp://bob:${SECRET}@127.0.0.1:2525`,
      ROSTER_BACKEND: `http://ci:${SECRET}@127.0.0.1:8080`,
    };
    for (const output of ["table", "json"]) {
      const run = await cli(["config", "-o", output], { cwd: tmp.dir, env });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout + run.stderr).not.toContain(SECRET);
      // What is not secret is still shown, so the user can see which value won.
      expect(run.stdout).toContain("smtp://bob:***@127.0.0.1:2525");
      expect(run.stdout).toContain("127.0.0.1:8080");
      expect(run.stdout).toContain("127.0.0.1/access.git");
    }
  });
});
