import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FolderSource } from "../../controller/adapters/sources/folder.js";
import { GitSource } from "../../controller/adapters/sources/git.js";
import { csvField, renderCsv } from "../../controller/cli/csv.js";
import { parseInstant } from "../../controller/cli/dates.js";
import { UsageError } from "../../controller/cli/errors.js";
import { gitAccessOptions } from "../../controller/cli/git-options.js";
import { openSource } from "../../controller/cli/source-uri.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "roster-cli-helpers-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("openSource", () => {
  it.each([
    ["members", FolderSource],
    ["https://host/acme/access.git#main//orgs", GitSource],
    ["/srv/access#v1", GitSource],
    ["git@github.com:acme/access.git", GitSource],
  ])("%s", (spec, kind) => {
    const source = openSource(spec, { cacheRoot: dir, env: {} });
    expect(source).toBeInstanceOf(kind);
  });

  it("describes a Git source without its credential", () => {
    expect(
      openSource("https://u:hunter2secret@host/a.git#main", { cacheRoot: dir, env: {} }).describe,
    ).toBe("https://host/a.git#main");
  });
});

describe("gitAccessOptions", () => {
  it("takes the token from ROSTER_GIT_TOKEN, or from --git-token-file (which wins)", () => {
    const env = { ROSTER_GIT_TOKEN: " from-env \n" };
    expect(gitAccessOptions({}, env).credential).toEqual({
      username: "x-access-token",
      password: "from-env",
    });
    const file = path.join(dir, "token");
    writeFileSync(file, "from-file\n");
    expect(gitAccessOptions({ gitTokenFile: file }, env).credential?.password).toBe("from-file");
    expect(gitAccessOptions({}, {}).credential).toBeUndefined();
    expect(gitAccessOptions({ gitCache: "c" }, {}).cacheRoot).toBe(path.resolve("c"));
  });

  it("refuses a missing or empty token file, without echoing anything from it", () => {
    expect(() => gitAccessOptions({ gitTokenFile: path.join(dir, "nope") }, {})).toThrow(
      new UsageError(`cannot read --git-token-file ${path.join(dir, "nope")} (ENOENT)`),
    );
    const empty = path.join(dir, "empty");
    writeFileSync(empty, "\n");
    expect(() => gitAccessOptions({ gitTokenFile: empty }, {})).toThrow(/is empty/);
  });
});

describe("parseInstant", () => {
  it.each([
    ["2024-03-01", "2024-03-01T00:00:00.000Z"],
    ["2024-03-01T09:30", "2024-03-01T09:30:00.000Z"],
    ["2024-03-01T09:30:15Z", "2024-03-01T09:30:15.000Z"],
    ["2024-03-01 09:30:15.250", "2024-03-01T09:30:15.250Z"],
    ["2024-03-01T10:30:00+01:00", "2024-03-01T09:30:00.000Z"],
    ["2024-02-29", "2024-02-29T00:00:00.000Z"],
  ])("%s → %s", (text, iso) => {
    expect(parseInstant(text, "--at").toISOString()).toBe(iso);
  });

  it.each([
    "yesterday",
    "2024-02-30",
    "2023-02-29",
    "2024-13-01",
    "2024-03-01T25:00",
    "03/01/2024",
    "",
  ])("refuses %j", (text) => {
    expect(() => parseInstant(text, "--at")).toThrow(/--at ".*" is not an ISO date or time/);
  });
});

describe("csv", () => {
  it("quotes what needs quoting and defuses spreadsheet formulas", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField(null)).toBe("");
    expect(csvField(12)).toBe("12");
    expect(csvField('a "b", c')).toBe('"a ""b"", c"');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(renderCsv(["a", "b"], [["1", null]])).toBe("a,b\n1,\n");
  });
});
