import { describe, expect, it } from "vitest";
import { looksLikeGitSpec, parseGitSpec } from "../../controller/adapters/sources/git-spec.js";
import { redactUrls } from "../../controller/model/index.js";

describe("parseGitSpec", () => {
  it.each([
    [
      "https://host/org/access.git#main//orgs",
      { location: "https://host/org/access.git", ref: "main", subdir: "orgs" },
    ],
    ["https://host/org/access.git", { location: "https://host/org/access.git" }],
    [
      "https://host/org/access.git//orgs/acme/",
      { location: "https://host/org/access.git", subdir: "orgs/acme" },
    ],
    ["/path/to/repo#v1.2", { location: "/path/to/repo", ref: "v1.2" }],
    ["file:///tmp/r.git#abc123", { location: "file:///tmp/r.git", ref: "abc123" }],
    [
      "git@github.com:acme/access.git#release/2024//members",
      { location: "git@github.com:acme/access.git", ref: "release/2024", subdir: "members" },
    ],
    [
      "ssh://git@host:2222/acme/access.git#main",
      { location: "ssh://git@host:2222/acme/access.git", ref: "main" },
    ],
    ["./repo#", { location: "./repo" }],
    ["./repo#HEAD//orgs", { location: "./repo", subdir: "orgs" }],
    [
      "https://x-access-token:s3cr3t@host/a.git#main",
      { location: "https://host/a.git", ref: "main", userinfo: "x-access-token:s3cr3t" },
    ],
    ["https://tok%40en@host/a.git", { location: "https://host/a.git", userinfo: "tok@en" }],
  ])("%s", (spec, expected) => {
    expect(parseGitSpec(spec)).toEqual(expected);
  });

  it.each([
    ["/repo#-upload-pack=evil", /invalid Git ref/],
    ["/repo#main~1", /invalid Git ref/],
    ["/repo#a..b", /invalid Git ref/],
    ["/repo#main//../etc", /"\." and "\.\." are not allowed/],
    ["#main", /no URL or path/],
  ])("refuses %s", (spec, message) => {
    expect(() => parseGitSpec(spec)).toThrow(message);
  });
});

describe("looksLikeGitSpec", () => {
  it.each([
    ["https://host/org/access.git", true],
    ["file:///tmp/r", true],
    ["git@github.com:acme/access", true],
    ["../access.git", true],
    ["/srv/repo#main", true],
    ["/srv/repo//orgs", true],
    ["members", false],
    ["./members/acme.yaml", false],
    ["/srv/roster/members/", false],
  ])("%s → %s", (spec, git) => {
    expect(looksLikeGitSpec(spec)).toBe(git);
  });
});

describe("redactUrls: the one redaction of printed and logged URLs", () => {
  it.each([
    ["fatal: https://u:p@h/x and http://tok@h2/y", "fatal: https://***@h/x and http://***@h2/y"],
    [
      "cannot fetch 'https://h/acme.git?token=s3cr3t&x=1/': no",
      "cannot fetch 'https://h/acme.git?token=***&x=***': no",
    ],
    ["ssh://git@h/acme.git#main", "ssh://***@h/acme.git#main"],
    ["sqlite:.roster/portal.db and /srv/x", "sqlite:.roster/portal.db and /srv/x"],
  ])("%s", (text, redacted) => {
    expect(redactUrls(text)).toBe(redacted);
  });
});
