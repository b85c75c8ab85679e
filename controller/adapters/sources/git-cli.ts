import { spawn } from "node:child_process";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { stat } from "node:fs/promises";
import { redactUrls } from "../../model/index.js";

/** HTTP Basic credentials for a Git host; a bare token uses GitHub's `x-access-token` user. */
export interface GitCredential {
  username: string;
  password: string;
}

export function tokenCredential(token: string): GitCredential {
  return { username: "x-access-token", password: token.trim() };
}

export function userinfoCredential(userinfo: string): GitCredential {
  const colon = userinfo.indexOf(":");
  // `https://TOKEN@host/…`: the token is the user name and the password is empty.
  return colon < 0
    ? { username: userinfo, password: "" }
    : { username: userinfo.slice(0, colon), password: userinfo.slice(colon + 1) };
}

export interface GitCliOptions {
  /** The environment git runs with (PATH, HOME, proxies, SSH agent), given by the composition root. */
  env: NodeJS.ProcessEnv;
  credential?: GitCredential;
  /** URL prefix the credential is sent to (`https://host/`); other hosts never see it. */
  credentialScope?: string;
  /** A git command still running after this long is killed (default 300 s): a hung fetch must end. */
  timeoutMs?: number;
}

const REPOSITORY_ENV = [
  "GIT_DIR",
  "GIT_WORK_TREE",
  "GIT_INDEX_FILE",
  "GIT_OBJECT_DIRECTORY",
  "GIT_ALTERNATE_OBJECT_DIRECTORIES",
  "GIT_COMMON_DIR",
  "GIT_NAMESPACE",
  "GIT_PREFIX",
];

/** Where a command runs: a work tree or folder (`cwd`), or exactly one repository (`gitDir`). */
export interface GitRunOptions {
  cwd?: string;
  /** `--git-dir`: no discovery, so a broken cache can never fall through to an enclosing repo. */
  gitDir?: string;
  input?: string;
  timeoutMs?: number;
}

export class GitError extends Error {
  readonly exitCode: number | null;
  constructor(message: string, exitCode: number | null) {
    super(message);
    this.name = "GitError";
    this.exitCode = exitCode;
  }
}

/**
 * Runs the `git` CLI with argument arrays (never a shell). The credential travels in
 * `GIT_CONFIG_*` environment variables as an `http.<url>.extraHeader` for each command: it is
 * not in argv (visible in `ps`), not in any config file, and is scrubbed from every error.
 */
export class GitCli {
  private readonly env: NodeJS.ProcessEnv;
  private readonly secrets: string[];
  private readonly timeoutMs: number;

  constructor(options: GitCliOptions) {
    this.timeoutMs = options.timeoutMs ?? 300_000;
    this.env = {
      ...options.env,
      // Never wait for a human at a prompt: a missing credential must fail, not hang.
      GIT_TERMINAL_PROMPT: "0",
      GCM_INTERACTIVE: "never",
      GIT_OPTIONAL_LOCKS: "0",
      // Stable English messages: tests and users match on them.
      LC_ALL: "C",
    };
    // Inherited from a hook or a wrapper, these would point git at another repository.
    for (const name of REPOSITORY_ENV) delete this.env[name];
    this.secrets = [];
    const { credential } = options;
    if (credential) {
      const basic = Buffer.from(`${credential.username}:${credential.password}`).toString("base64");
      const count = Number(this.env.GIT_CONFIG_COUNT ?? "0") || 0;
      const scope = options.credentialScope ? `${options.credentialScope}.` : "";
      this.env.GIT_CONFIG_COUNT = String(count + 1);
      this.env[`GIT_CONFIG_KEY_${count}`] = `http.${scope}extraHeader`;
      this.env[`GIT_CONFIG_VALUE_${count}`] = `Authorization: Basic ${basic}`;
      this.secrets.push(basic, credential.password, credential.username);
    }
  }

  get hasCredential(): boolean {
    return this.secrets.length > 0;
  }

  /** Replaces every credential (and any URL userinfo) in a text by `***`. */
  scrub(text: string): string {
    let out = redactUrls(text);
    for (const secret of this.secrets) {
      // Short strings (an empty password, a user name like "git") would mangle the message.
      if (secret.length >= 6 && secret !== "x-access-token") out = out.split(secret).join("***");
    }
    return out;
  }

  async run(args: string[], options: GitRunOptions = {}): Promise<Buffer> {
    // spawn reports a missing cwd as ENOENT, indistinguishable from a missing git binary.
    if (options.cwd && !(await isDirectory(options.cwd))) {
      throw new GitError(`no such folder: ${this.scrub(options.cwd)}`, null);
    }
    const child = this.spawn(args, { ...options, timeoutMs: options.timeoutMs ?? this.timeoutMs });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.stdin.on("error", () => undefined); // git may exit before reading stdin; `close` reports it
    child.stdin.end(options.input ?? "");
    const { code, signal } = await new Promise<{ code: number | null; signal: string | null }>(
      (resolve, reject) => {
        child.on("error", reject);
        child.on("close", (c, s) => resolve({ code: c, signal: s }));
      },
    ).catch((error: NodeJS.ErrnoException) => {
      throw new GitError(
        error.code === "ENOENT"
          ? "the git command was not found: install git (2.31 or newer) and put it on PATH"
          : this.scrub(error.message),
        null,
      );
    });
    if (code !== 0) {
      const stderr = summarize(Buffer.concat(err).toString("utf8"));
      const why = signal
        ? `killed (${signal}) after ${options.timeoutMs ?? this.timeoutMs} ms`
        : stderr;
      throw new GitError(this.scrub(`git ${args[0] ?? ""} failed: ${why || `exit ${code}`}`), code);
    }
    return Buffer.concat(out);
  }

  async text(args: string[], options: GitRunOptions = {}): Promise<string> {
    return (await this.run(args, options)).toString("utf8");
  }

  /** A long-lived process (e.g. `cat-file --batch`); the caller owns its streams. */
  spawn(args: string[], options: GitRunOptions = {}): ChildProcessWithoutNullStreams {
    const { cwd, gitDir, timeoutMs } = options;
    return spawn("git", gitDir ? ["--git-dir", gitDir, ...args] : args, {
      cwd,
      env: this.env,
      stdio: ["pipe", "pipe", "pipe"],
      ...(timeoutMs ? { timeout: timeoutMs, killSignal: "SIGKILL" } : {}),
    });
  }
}

async function isDirectory(dir: string): Promise<boolean> {
  return stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** git's `fatal:`/`error:` lines, without the boilerplate advice that follows them. */
function summarize(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const errors = lines.filter((l) => /^(fatal|error):/.test(l));
  return (errors.length > 0 ? errors : lines).join("; ");
}
