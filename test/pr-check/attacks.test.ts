import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PortalStore } from "../../controller/adapters/backends/sqlite/store.js";
import { defaultOrgSettings } from "../../controller/model/index.js";
import type { M, PrRepo } from "./pr-repo.js";
import { prRepo, pushHead, roster, team } from "./pr-repo.js";

// Attacks on the PR check through the built CLI, on real repositories (issue 13, bypasses 1, 2).
const SLOW = { timeout: 180_000 };
const API = "apiVersion: roster.workjet.io/v1alpha1";

function orgYaml(org: string, spec: string, members: readonly M[]): string {
  return [
    `${API}\nkind: Organization\nmetadata:\n  name: ${org}\nspec:\n  displayName: ${org}\n${spec}`,
    ...members.map(
      (m) =>
        `${API}\nkind: Member\nmetadata:\n  name: ${m.name}\nspec:\n  organization: ${org}\n  email: ${m.email}\n  role: ${m.role}\n` +
        (m.github ? `  github: ${m.github}\n` : ""),
    ),
  ].join("---\n");
}

const BASE_SPEC = "  domains: [acme.com]\n  unmanaged: report\n  safety: { maxRemovals: 10 }\n";
const HOSTILE_SPEC =
  "  domains: [acme.com, gmail.com]\n  autoProvisioning: { enabled: true, role: admin }\n" +
  "  unmanaged: remove\n  safety: { maxRemovals: '100%' }\n  allowExternal: false\n";

interface JsonChange {
  org: string;
  email: string;
  field?: string;
  change: string;
  rule: string;
  satisfiedBy?: string;
  missing?: string;
}

let settingsPr: PrRepo;
let redeclared: PrRepo;
let inBackend: PrRepo;
let stolenLogin: PrRepo;
let dir: string;
let env: NodeJS.ProcessEnv;

const mallory: M[] = [
  { name: "mallory", email: "mallory@evil.com", role: "owner", github: "mallory" },
];

beforeAll(() => {
  settingsPr = prRepo(
    { "orgs/acme.yaml": orgYaml("acme", BASE_SPEC, team()) },
    { "orgs/acme.yaml": orgYaml("acme", HOSTILE_SPEC, team()) },
  );
  // beta was declared (owner zoe) and later deleted from the files; a PR declares it again.
  const zoe: M[] = [{ name: "zoe", email: "zoe@beta.com", role: "owner", github: "zoe-gh" }];
  redeclared = prRepo(
    {
      "orgs/acme.yaml": orgYaml("acme", BASE_SPEC, team()),
      "orgs/beta.yaml": orgYaml("beta", "  domains: [beta.com]\n", zoe),
    },
    {},
  );
  redeclared.repo.git(["checkout", "-q", "main"]);
  redeclared.repo.remove("orgs/beta.yaml");
  redeclared.repo.commit("drop beta", "2024-05-03T10:00:00Z", { name: "P", email: "p@acme.com" });
  redeclared.repo.git(["branch", "-q", "-f", "pr", "main"]);
  pushHead(
    redeclared.repo,
    { "orgs/beta.yaml": orgYaml("beta", "  domains: [beta.com]\n", mallory) },
    "2024-05-04T10:00:00Z",
  );
  // globex exists in the backend only (created out of band), owned by gina.
  inBackend = prRepo(
    { "orgs/acme.yaml": orgYaml("acme", BASE_SPEC, team()) },
    { "orgs/globex.yaml": orgYaml("globex", "  domains: [globex.com]\n", mallory) },
  );
  dir = mkdtempSync(path.join(tmpdir(), "roster-attack-"));
  const store = PortalStore.open(path.join(dir, "portal.db"));
  store.createOrganization(
    { kind: "system", name: "test" },
    "globex",
    { ...defaultOrgSettings("globex"), domains: ["globex.com"] },
    "gina@globex.com",
  );
  store.close();
  // An admin gives a member the owner's login: the owner would count as nobody at base later.
  stolenLogin = prRepo(
    { "orgs/acme.yaml": orgYaml("acme", BASE_SPEC, team()) },
    { "orgs/acme.yaml": orgYaml("acme", BASE_SPEC, team({ dave: { github: "Alice-GH" } })) },
  );
  env = { ...settingsPr.repo.env, NO_COLOR: "1" };
});

afterAll(() => {
  for (const r of [settingsPr, redeclared, inBackend, stolenLogin]) r.repo.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function check(
  repo: PrRepo,
  author: string,
  approvers: string[],
  ...extra: string[]
): Promise<{ code: number | null; allowed: boolean; changes: JsonChange[] }> {
  const run = await roster(
    [
      "check",
      "--repo",
      repo.repo.dir,
      "--base",
      "main",
      "--head",
      "pr",
      "--author",
      author,
      ...approvers.flatMap((a) => ["--approver", a]),
      "-o",
      "json",
      ...extra,
    ],
    repo.repo.root,
    env,
  );
  const body = JSON.parse(run.stdout) as { allowed: boolean; changes: JsonChange[] };
  return { code: run.code, ...body };
}

describe("attacks on roster check, each refused with its rule", SLOW, () => {
  it("bypass 1: Organization changes by nobody are denied, field by field", async () => {
    const byNobody = await check(settingsPr, "stranger", []);
    expect(byNobody.code).toBe(1);
    expect(byNobody.allowed).toBe(false);
    const fields = byNobody.changes.map((c) => [c.field, c.rule, c.missing !== undefined]);
    expect(fields).toEqual([
      ["allowExternal", "owner-settings", true],
      ["autoProvisioning", "R4", true],
      ["domains", "owner-settings", true],
      ["safety", "owner-settings", true],
      ["unmanaged", "owner-settings", true],
    ]);
    // An admin's approval is not enough for any of them; the owner's is.
    const byAdmin = await check(settingsPr, "bob-gh", ["erin-gh"]);
    expect(byAdmin.allowed).toBe(false);
    expect(byAdmin.changes.every((c) => c.missing?.startsWith("the owner of acme"))).toBe(true);
    const byOwner = await check(settingsPr, "bob-gh", ["alice-gh"]);
    expect(byOwner.code).toBe(0);
    expect(byOwner.changes.every((c) => c.satisfiedBy === "alice-gh")).toBe(true);
  });

  it("bypass 2: re-declaring an organization deleted from the files needs its owner there", async () => {
    const takeover = await check(redeclared, "mallory", []);
    expect(takeover.code).toBe(1);
    // Settings the earlier commit's members never saw are compared with the defaults: judged too.
    expect(takeover.changes.map((c) => [c.email || c.field, c.change, c.rule])).toEqual([
      ["domains", "settingChanged", "owner-settings"],
      ["mallory@evil.com", "ownershipTransferred", "R5"],
      ["zoe@beta.com", "revoked", "R5"],
    ]);
    expect((await check(redeclared, "mallory", ["zoe-gh"])).code).toBe(0);
  });

  it("bypass 2: declaring an organization that exists in the backend needs its owner", async () => {
    const backend = `sqlite:${path.join(dir, "portal.db")}`;
    const takeover = await check(inBackend, "mallory", [], "--backend", backend);
    expect(takeover.code).toBe(1);
    expect(takeover.changes.map((c) => [c.email, c.change, c.rule])).toEqual([
      ["mallory@evil.com", "ownershipTransferred", "R5"],
      ["gina@globex.com", "revoked", "R5"],
    ]);
    expect(takeover.changes[0]?.missing).toContain(
      "the owner gina@globex.com has no spec.github at base",
    );
    // Without the backend, globex is simply new: its declared owner creates it.
    const fresh = await check(inBackend, "mallory", []);
    expect(fresh.changes[0]).toMatchObject({ change: "organizationCreated", rule: "org-create" });
    expect(fresh.code).toBe(0);
  });

  it("giving a member the owner's login is a validation error at its place: denied", async () => {
    const run = await roster(
      ["check", "--repo", stolenLogin.repo.dir, "--base", "main", "--head", "pr"].concat([
        "--author",
        "bob-gh",
        "--approver",
        "alice-gh",
      ]),
      stolenLogin.repo.root,
      env,
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /orgs\/acme\.yaml:\d+:11: duplicate-github: GitHub login alice-gh is declared twice in organization "acme"/,
    );
  });
});
