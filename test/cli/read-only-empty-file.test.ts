import { statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cli, tempDir } from "./run-cli.js";

const acme = path.resolve("examples/acme");

// `touch portal.db` (or a failed copy) leaves a 0-byte file: SQLite would open it as an empty
// database, and the store's migrations would then write a whole schema into it.
describe("read-only commands treat an empty file as no store", { timeout: 60_000 }, () => {
  let tmp: ReturnType<typeof tempDir> | undefined;
  afterEach(() => tmp?.cleanup());

  const readers: [string, string[], number][] = [
    ["plan", ["plan", "--source", acme, "--backend", "sqlite:empty.db"], 1],
    ["export", ["export", "--backend", "sqlite:empty.db"], 1],
    ["portal orgs", ["portal", "orgs", "--backend", "sqlite:empty.db"], 1],
    ["journal verify", ["journal", "verify", "--backend", "sqlite:empty.db"], 3],
  ];

  it.each(readers)(
    "%s: the error of a missing store; the file stays empty",
    async (_, args, code) => {
      tmp = tempDir();
      const file = path.join(tmp.dir, "empty.db");
      writeFileSync(file, "");
      const run = await cli(args, { cwd: tmp.dir });
      expect(run.code).toBe(code);
      expect(run.stderr).toContain("no Portal store at empty.db");
      expect(statSync(file).size).toBe(0);
    },
  );
});
