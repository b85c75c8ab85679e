import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export interface Who {
  name: string;
  email: string;
}

/** An environment for git that ignores every global and system config of the machine. */
export function isolatedGitEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: path.join(home, "no-global-gitconfig"),
    LC_ALL: "C",
  };
}

/** A real repository in a temp folder, driven by the git CLI with scripted names and dates. */
export class TestRepo {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;

  private constructor(
    readonly root: string,
    bare: boolean,
  ) {
    this.dir = path.join(root, bare ? "repo.git" : "repo");
    this.env = isolatedGitEnv(root);
    this.git(["init", "--quiet", ...(bare ? ["--bare"] : []), "-b", "main", this.dir], root);
  }

  static create(prefix = "roster-repo-"): TestRepo {
    return new TestRepo(mkdtempSync(path.join(os.tmpdir(), prefix)), false);
  }

  git(args: string[], cwd = this.dir, extraEnv: NodeJS.ProcessEnv = {}): string {
    return execFileSync("git", args, {
      cwd,
      env: { ...this.env, ...extraEnv },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  }

  write(file: string, text: string): this {
    const full = path.join(this.dir, file);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, text);
    return this;
  }

  remove(file: string): this {
    this.git(["rm", "-q", "-r", "--", file]);
    return this;
  }

  /** Commits everything with the given author (also the committer) and ISO date; returns the SHA. */
  commit(message: string, date: string, who: Who): string {
    this.git(["add", "-A"]);
    this.git(["commit", "-q", "--allow-empty", "-m", message], this.dir, whoEnv(who, date));
    return this.head();
  }

  /** A real `--no-ff` merge of `branch` into the current branch. */
  merge(branch: string, message: string, date: string, who: Who): string {
    this.git(["merge", "-q", "--no-ff", "-m", message, branch], this.dir, whoEnv(who, date));
    return this.head();
  }

  head(ref = "HEAD"): string {
    return this.git(["rev-parse", ref]).trim();
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

function whoEnv(who: Who, date: string): NodeJS.ProcessEnv {
  return {
    GIT_AUTHOR_NAME: who.name,
    GIT_AUTHOR_EMAIL: who.email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: who.name,
    GIT_COMMITTER_EMAIL: who.email,
    GIT_COMMITTER_DATE: date,
  };
}

const API = "apiVersion: roster.workjet.io/v1alpha1";

export function orgYaml(name: string, domains: string[] = [`${name}.com`]): string {
  return `${API}\nkind: Organization\nmetadata:\n  name: ${name}\nspec:\n  displayName: ${name}\n  domains: [${domains.join(", ")}]\n`;
}

/** One multi-document file of Member resources: [name, email, role]. */
export function membersYaml(org: string, members: [string, string, string][]): string {
  return members
    .map(
      ([name, email, role]) =>
        `${API}\nkind: Member\nmetadata:\n  name: ${name}\nspec:\n  organization: ${org}\n  email: ${email}\n  role: ${role}\n`,
    )
    .join("---\n");
}
