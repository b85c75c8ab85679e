import type { Who } from "./test-repo.js";
import { membersYaml, orgYaml, TestRepo } from "./test-repo.js";

export const ALICE: Who = { name: "Alice Admin", email: "alice@acme.com" };
// A comma and quotes in a name: CSV output must quote it.
export const BOB: Who = { name: 'Bob "Bobby" Builder, Jr', email: "bob@acme.com" };
export const GITHUB: Who = { name: "GitHub", email: "noreply@github.com" };

export interface ScriptedHistory {
  repo: TestRepo;
  sha: {
    create: string;
    addCarol: string;
    branchWork: string;
    merge12: string;
    squash13: string;
    broken: string;
    fix: string;
    readme: string;
    dropGlobex: string;
  };
}

type Row = [string, string, string];
const acme = (rows: Row[]) => membersYaml("acme", rows);

/**
 * The audit scenario: grants, role changes, a real --no-ff merge "Merge pull request #12", a
 * squash "(#13)" that transfers ownership, a commit with invalid YAML, a revocation, a commit
 * outside the YAML, and an organization removed altogether.
 */
export function buildScriptedHistory(): ScriptedHistory {
  const repo = TestRepo.create("roster-history-");
  repo
    .write("README.md", "# access\n")
    .write("orgs/acme/org.yaml", orgYaml("acme"))
    .write(
      "orgs/acme/members.yaml",
      acme([
        ["acme-alice", "alice@acme.com", "owner"],
        ["acme-bob", "bob@acme.com", "member"],
      ]),
    )
    .write("orgs/globex/org.yaml", orgYaml("globex"))
    .write(
      "orgs/globex/members.yaml",
      membersYaml("globex", [["globex-gina", "gina@globex.com", "owner"]]),
    );
  const create = repo.commit("Create acme and globex", "2024-01-10T09:00:00Z", ALICE);

  repo.write("orgs/acme/carol.yaml", acme([["acme-carol", "Carol@Acme.com", "member"]]));
  const addCarol = repo.commit("Add carol", "2024-02-01T10:00:00Z", ALICE);

  repo.git(["checkout", "-q", "-b", "promote-bob"]);
  repo.write(
    "orgs/acme/members.yaml",
    acme([
      ["acme-alice", "alice@acme.com", "owner"],
      ["acme-bob", "bob@acme.com", "admin"],
      ["acme-dave", "dave@acme.com", "member"],
    ]),
  );
  const branchWork = repo.commit("Promote bob, add dave", "2024-02-15T11:00:00Z", BOB);
  repo.git(["checkout", "-q", "main"]);
  const merge12 = repo.merge(
    "promote-bob",
    "Merge pull request #12 from acme/promote-bob\n\nPromote bob, add dave",
    "2024-02-20T12:00:00+01:00",
    GITHUB,
  );

  repo.write(
    "orgs/acme/members.yaml",
    acme([
      ["acme-alice", "alice@acme.com", "admin"],
      ["acme-bob", "bob@acme.com", "owner"],
      ["acme-dave", "dave@acme.com", "member"],
    ]),
  );
  const squash13 = repo.commit(
    "Transfer acme ownership to bob (#13)",
    "2024-03-05T15:00:00Z",
    ALICE,
  );

  repo.write("orgs/acme/erin.yaml", acme([["acme-erin", "erin@acme.com", "superuser"]]));
  const broken = repo.commit("Add erin", "2024-03-20T10:00:00Z", BOB);

  repo.write("orgs/acme/erin.yaml", acme([["acme-erin", "erin@acme.com", "member"]]));
  repo.remove("orgs/acme/carol.yaml");
  const fix = repo.commit("Fix erin's role, remove carol", "2024-03-21T08:30:00Z", BOB);

  repo.write("README.md", "# access\n\nOwners: see orgs/.\n");
  const readme = repo.commit("Docs", "2024-04-01T09:00:00Z", ALICE);

  repo.remove("orgs/globex");
  const dropGlobex = repo.commit("Remove globex (#14)", "2024-04-10T16:00:00Z", ALICE);

  return {
    repo,
    sha: { create, addCarol, branchWork, merge12, squash13, broken, fix, readme, dropGlobex },
  };
}

/** The exact `roster history -o json` of the scenario. */
export function expectedHistory(h: ScriptedHistory): unknown[] {
  const { sha } = h;
  const alice = `${ALICE.name} <${ALICE.email}>`;
  const bob = `${BOB.name} <${BOB.email}>`;
  const row = (
    commit: string,
    date: string,
    author: string,
    pr: number | null,
    org: string,
    email: string,
    change: string,
    from: string | null,
    to: string | null,
  ) => ({ commit, date, author, pr, org, email, change, from, to });
  return [
    row(
      sha.create,
      "2024-01-10T09:00:00Z",
      alice,
      null,
      "acme",
      "alice@acme.com",
      "granted",
      null,
      "owner",
    ),
    row(
      sha.create,
      "2024-01-10T09:00:00Z",
      alice,
      null,
      "acme",
      "bob@acme.com",
      "granted",
      null,
      "member",
    ),
    row(
      sha.create,
      "2024-01-10T09:00:00Z",
      alice,
      null,
      "globex",
      "gina@globex.com",
      "granted",
      null,
      "owner",
    ),
    row(
      sha.addCarol,
      "2024-02-01T10:00:00Z",
      alice,
      null,
      "acme",
      "carol@acme.com",
      "granted",
      null,
      "member",
    ),
    row(
      sha.merge12,
      "2024-02-20T11:00:00Z",
      "GitHub <noreply@github.com>",
      12,
      "acme",
      "dave@acme.com",
      "granted",
      null,
      "member",
    ),
    row(
      sha.merge12,
      "2024-02-20T11:00:00Z",
      "GitHub <noreply@github.com>",
      12,
      "acme",
      "bob@acme.com",
      "roleChanged",
      "member",
      "admin",
    ),
    row(
      sha.squash13,
      "2024-03-05T15:00:00Z",
      alice,
      13,
      "acme",
      "bob@acme.com",
      "ownershipTransferred",
      "admin",
      "owner",
    ),
    row(
      sha.squash13,
      "2024-03-05T15:00:00Z",
      alice,
      13,
      "acme",
      "alice@acme.com",
      "roleChanged",
      "owner",
      "admin",
    ),
    row(
      sha.fix,
      "2024-03-21T08:30:00Z",
      bob,
      null,
      "acme",
      "erin@acme.com",
      "granted",
      null,
      "member",
    ),
    row(
      sha.fix,
      "2024-03-21T08:30:00Z",
      bob,
      null,
      "acme",
      "carol@acme.com",
      "revoked",
      "member",
      null,
    ),
    row(
      sha.dropGlobex,
      "2024-04-10T16:00:00Z",
      alice,
      14,
      "globex",
      "gina@globex.com",
      "revoked",
      "owner",
      null,
    ),
  ];
}
