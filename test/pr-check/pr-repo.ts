import { spawn } from "node:child_process";
import path from "node:path";
import { GitCli } from "../../controller/adapters/sources/git-cli.js";
import { GitHistoryCli } from "../../controller/adapters/sources/git-history-cli.js";
import type { Who } from "../audit/test-repo.js";
import { TestRepo } from "../audit/test-repo.js";

export const CLI = path.resolve(import.meta.dirname, "../../dist/controller/cli/main.js");

const API = "apiVersion: roster.workjet.io/v1alpha1";

export interface M {
  name: string;
  email: string;
  role: "owner" | "admin" | "member";
  github?: string;
}

/** The team every scenario starts from (org acme, domain acme.com). */
export const TEAM: M[] = [
  { name: "alice", email: "alice@acme.com", role: "owner", github: "alice-gh" },
  { name: "bob", email: "bob@acme.com", role: "admin", github: "bob-gh" },
  { name: "erin", email: "erin@acme.com", role: "admin", github: "erin-gh" },
  { name: "carol", email: "carol@acme.com", role: "member", github: "carol-gh" },
  { name: "dave", email: "dave@acme.com", role: "member" },
];

/** One file: the Organization, then one Member document per member. */
export function orgFile(org: string, members: readonly M[]): string {
  const docs = [
    `${API}\nkind: Organization\nmetadata:\n  name: ${org}\nspec:\n  displayName: ${org}\n  domains: [${org}.com]\n`,
    ...members.map(
      (m) =>
        `${API}\nkind: Member\nmetadata:\n  name: ${m.name}\nspec:\n  organization: ${org}\n  email: ${m.email}\n  role: ${m.role}\n` +
        (m.github ? `  github: ${m.github}\n` : ""),
    ),
  ];
  return docs.join("---\n");
}

/** `TEAM` with some members changed (by name), removed (`null`) or added. */
export function team(changes: Record<string, Partial<M> | null> = {}): M[] {
  const out: M[] = [];
  for (const m of TEAM) {
    const change = changes[m.name];
    if (change === null) continue;
    out.push({ ...m, ...change });
  }
  for (const [name, change] of Object.entries(changes)) {
    if (change && !TEAM.some((m) => m.name === name)) out.push({ name, ...change } as M);
  }
  return out;
}

const AUTHOR: Who = { name: "Pat Platform", email: "pat@acme.com" };

export interface PrRepo {
  repo: TestRepo;
  base: string;
  head: string;
}

/**
 * A real repository: `main` holds `baseFiles`, branch `pr` (from main) holds `headFiles`
 * (`null` deletes a file). Commits have fixed identities and dates.
 */
export function prRepo(
  baseFiles: Record<string, string>,
  headFiles: Record<string, string | null>,
): PrRepo {
  const repo = TestRepo.create("roster-pr-");
  for (const [file, text] of Object.entries(baseFiles)) repo.write(file, text);
  const base = repo.commit("base", "2024-05-01T10:00:00Z", AUTHOR);
  repo.git(["checkout", "-q", "-b", "pr"]);
  pushHead(repo, headFiles, "2024-05-02T10:00:00Z");
  const head = repo.head();
  repo.git(["checkout", "-q", "main"]);
  return { repo, base, head };
}

/** One more commit on branch `pr` (a push to the PR); returns its SHA. */
export function pushHead(
  repo: TestRepo,
  files: Record<string, string | null>,
  date: string,
): string {
  const current = repo.git(["rev-parse", "--abbrev-ref", "HEAD"]).trim();
  if (current !== "pr") repo.git(["checkout", "-q", "pr"]);
  for (const [file, text] of Object.entries(files)) {
    if (text === null) repo.remove(file);
    else repo.write(file, text);
  }
  const sha = repo.commit("change members", date, AUTHOR);
  if (current !== "pr") repo.git(["checkout", "-q", current]);
  return sha;
}

/** GitHistory over the repository, as `roster check` opens it. */
export function historyOf(repo: TestRepo): { history: GitHistoryCli; close: () => Promise<void> } {
  const git = new GitCli({ env: repo.env });
  const history = new GitHistoryCli(git, { gitDir: path.join(repo.dir, ".git") });
  return { history, close: () => history.close() };
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The built CLI as a user types it, without blocking the event loop (fakes run in-process). */
export function roster(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
