import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GitSource } from "../../controller/adapters/sources/git.js";
import type { GitAccessOptions } from "../../controller/adapters/sources/git.js";
import { tokenCredential } from "../../controller/adapters/sources/git-cli.js";
import { parseGitSpec } from "../../controller/adapters/sources/git-spec.js";
import { mirrorDir } from "../../controller/adapters/sources/git-mirror.js";
import { ALICE } from "../audit/scripted-history.js";
import { membersYaml, orgYaml, TestRepo } from "../audit/test-repo.js";
import type { GitHttpServer } from "./git-http-server.js";
import { startGitHttpServer } from "./git-http-server.js";

const TOKEN = "ghp_R0sterTestToken1234567890";

let repo: TestRepo;
let first: string;
let second: string;
let server: GitHttpServer;

function options(extra: Partial<GitAccessOptions> = {}): GitAccessOptions {
  return { cacheRoot: path.join(repo.root, "cache"), env: repo.env, ...extra };
}

function source(spec: string, extra: Partial<GitAccessOptions> = {}): GitSource {
  return new GitSource(parseGitSpec(spec), options(extra));
}

beforeAll(async () => {
  repo = TestRepo.create("roster-gitsrc-");
  repo
    .write("README.md", "not a resource\n")
    .write("orgs/acme.yaml", orgYaml("acme"))
    .write(
      "orgs/acme-members.yml",
      membersYaml("acme", [["acme-alice", "alice@acme.com", "owner"]]),
    )
    .write("other/ignored.yaml", "kind: Nothing\n");
  first = repo.commit("first", "2024-01-01T00:00:00Z", ALICE);
  repo.git(["tag", "-a", "v1", "-m", "release 1"], repo.dir, {
    GIT_COMMITTER_NAME: "t",
    GIT_COMMITTER_EMAIL: "t@x.io",
  });
  repo.write("orgs/acme-members.yml", membersYaml("acme", [["acme-bob", "bob@acme.com", "owner"]]));
  second = repo.commit("second", "2024-01-02T00:00:00Z", ALICE);
  repo.git(["branch", "staging", first]);
  server = await startGitHttpServer(
    repo.root,
    { username: "x-access-token", password: TOKEN },
    repo.env,
  );
});

afterAll(async () => {
  await server.close();
  repo.cleanup();
});

describe("GitSource", () => {
  it("reads the YAML files of the remote HEAD, paths from the repository root, revision = SHA", async () => {
    const snap = await source(repo.dir).read();
    expect(snap.revision).toBe(second);
    expect(snap.files.map((f) => f.path)).toEqual([
      "orgs/acme-members.yml",
      "orgs/acme.yaml",
      "other/ignored.yaml",
    ]);
    expect(snap.files[0]!.text).toContain("bob@acme.com");
    expect(snap.oversized).toEqual([]);
  });

  it("resolves a branch, an annotated tag, a full and a short SHA, with //subdir", async () => {
    for (const [ref, sha] of [
      ["main", second],
      ["staging", first],
      ["refs/heads/staging", first],
      ["v1", first],
      [first, first],
      [first.slice(0, 10), first],
    ] as const) {
      const snap = await source(`${repo.dir}#${ref}//orgs`).read();
      expect(snap.revision, ref).toBe(sha);
      expect(snap.files.map((f) => f.path)).toEqual(["orgs/acme-members.yml", "orgs/acme.yaml"]);
    }
  });

  it("fetches on every read: a new commit is seen by the same source", async () => {
    const src = source(`${repo.dir}#main//orgs`);
    expect((await src.read()).revision).toBe(second);
    repo.write(
      "orgs/acme-members.yml",
      membersYaml("acme", [["acme-carol", "carol@acme.com", "owner"]]),
    );
    const third = repo.commit("third", "2024-01-03T00:00:00Z", ALICE);
    const snap = await src.read();
    expect(snap.revision).toBe(third);
    expect(snap.files[0]!.text).toContain("carol@acme.com");
    // A deleted branch is pruned from the cache, not served stale.
    repo.git(["branch", "-D", "staging"]);
    await expect(source(`${repo.dir}#staging`).read()).rejects.toThrow(
      /no branch, tag or commit named "staging"/,
    );
    repo.git(["branch", "staging", first]);
  });

  it("refuses an unknown ref and a missing subfolder with a clear message", async () => {
    await expect(source(`${repo.dir}#nope`).read()).rejects.toThrow(
      /no branch, tag or commit named "nope"/,
    );
    await expect(source(`${repo.dir}#main//missing`).read()).rejects.toThrow(
      /folder "missing" does not exist at commit [0-9a-f]{40}/,
    );
  });

  it("lists a file over 10 MiB as oversized without reading it", async () => {
    const big = TestRepo.create("roster-gitsrc-big-");
    try {
      big
        .write("small.yaml", orgYaml("acme"))
        .write("big.yaml", `# ${"x".repeat(10 * 1024 * 1024 + 10)}\n`);
      big.commit("big", "2024-01-01T00:00:00Z", ALICE);
      const snap = await new GitSource(parseGitSpec(big.dir), {
        cacheRoot: path.join(big.root, "cache"),
        env: big.env,
      }).read();
      expect(snap.files.map((f) => f.path)).toEqual(["small.yaml"]);
      expect(snap.oversized).toEqual([{ path: "big.yaml", bytes: 10 * 1024 * 1024 + 13 }]);
    } finally {
      big.cleanup();
    }
  });

  it("rebuilds a broken cache folder", async () => {
    const cacheRoot = path.join(repo.root, "cache-broken");
    const dir = mirrorDir(cacheRoot, repo.dir);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "HEAD"), "garbage");
    const snap = await source(repo.dir, { cacheRoot }).read();
    expect(snap.files.length).toBeGreaterThan(0);
    expect(readdirSync(cacheRoot)).toEqual([path.basename(dir)]);
  });

  it("throws on an unreachable repository, leaving no token in the message", async () => {
    const src = source("http://127.0.0.1:1/acme/access.git#main", {
      credential: tokenCredential(TOKEN),
    });
    const error = (await src.read().catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(
      /^cannot fetch http:\/\/127\.0\.0\.1:1\/acme\/access\.git#main: git fetch failed: .*(Failed to connect|Connection refused|Couldn't connect)/,
    );
    expect(error.message).not.toContain(TOKEN);
    await expect(source(path.join(repo.root, "no-such-repo")).read()).rejects.toThrow(
      /cannot fetch .*does not appear to be a git repository/,
    );
  });
});

describe("GitSource credentials over HTTP", () => {
  it("sends the token per command; it is never written to the cache's config", async () => {
    const cacheRoot = path.join(repo.root, "cache-http");
    const spec = `${server.url}/repo#main//orgs`;
    const snap = await source(spec, { cacheRoot, credential: tokenCredential(TOKEN) }).read();
    expect(snap.files.map((f) => f.path)).toEqual(["orgs/acme-members.yml", "orgs/acme.yaml"]);
    const expected = `Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString("base64")}`;
    expect(server.authorizations).toContain(expected);

    const dir = mirrorDir(cacheRoot, `${server.url}/repo`);
    const config = readFileSync(path.join(dir, "config"), "utf8");
    expect(config).toContain(`url = ${server.url}/repo`);
    expect(config).not.toContain(TOKEN);
    expect(config).not.toContain(Buffer.from(`x-access-token:${TOKEN}`).toString("base64"));
    expect(config.toLowerCase()).not.toContain("extraheader");
  });

  it("takes a credential from the URL's userinfo, keeps it out of config and describe", async () => {
    const cacheRoot = path.join(repo.root, "cache-userinfo");
    const src = source(
      `${server.url.replace("http://", `http://x-access-token:${TOKEN}@`)}/repo#main`,
      { cacheRoot },
    );
    expect(src.describe).not.toContain(TOKEN);
    expect((await src.read()).files.length).toBe(3);
    const dir = mirrorDir(cacheRoot, `${server.url}/repo`);
    expect(existsSync(dir)).toBe(true);
    expect(readFileSync(path.join(dir, "config"), "utf8")).not.toContain(TOKEN);
  });

  it("fails with a wrong or missing token, and the message carries no secret", async () => {
    const wrong = "ghp_WrongWrongWrong0000000000";
    const error = (await source(`${server.url}/repo#main`, {
      cacheRoot: path.join(repo.root, "cache-wrong"),
      credential: tokenCredential(wrong),
    })
      .read()
      .catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(
      /^cannot fetch http:\/\/127\.0\.0\.1:\d+\/repo#main: .*the Git host refused the credential/,
    );
    for (const secret of [
      wrong,
      TOKEN,
      Buffer.from(`x-access-token:${wrong}`).toString("base64"),
    ]) {
      expect(error.message).not.toContain(secret);
    }
    await expect(
      source(`${server.url}/repo#main`, { cacheRoot: path.join(repo.root, "cache-none") }).read(),
    ).rejects.toThrow(/cannot fetch .*the repository needs a credential: set ROSTER_GIT_TOKEN/);
  });
});
