import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { runCli } from "../../controller/cli/run-cli.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Variables that change what roster does: cleared for every in-process run unless given. */
const CLEARED = [
  "ROSTER_SOURCE",
  "ROSTER_BACKEND",
  "ROSTER_MAILER",
  "ROSTER_TOKEN",
  "ROSTER_DEBUG",
  "ROSTER_GIT_TOKEN",
  "NO_COLOR",
  "FORCE_COLOR",
];

let queue: Promise<unknown> = Promise.resolve();

/**
 * `roster ARGV` in this process, as a user types it in `cwd` with `env`: stdout, stderr and the
 * exit code captured, the working directory and environment restored afterwards. Runs are
 * serialised because the process's cwd, env and streams are shared.
 */
export function cli(
  argv: string[],
  options: { cwd: string; env?: Record<string, string> } = { cwd: process.cwd() },
): Promise<CliRun> {
  const run = queue.then(() => runOnce(argv, options));
  queue = run.catch(() => undefined);
  return run;
}

async function runOnce(
  argv: string[],
  { cwd, env = {} }: { cwd: string; env?: Record<string, string> },
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  const savedEnv = { ...process.env };
  const savedCwd = process.cwd();
  const capture = (append: (text: string) => void) =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      append(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString());
      const done = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      done?.();
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = capture((t) => (stdout += t));
  process.stderr.write = capture((t) => (stderr += t));
  for (const name of CLEARED) delete process.env[name];
  Object.assign(process.env, env);
  process.chdir(cwd);
  try {
    const code = await runCli(argv);
    return { code, stdout, stderr };
  } finally {
    process.chdir(savedCwd);
    for (const name of Object.keys(process.env)) {
      if (!(name in savedEnv)) delete process.env[name];
    }
    Object.assign(process.env, savedEnv);
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
  }
}

/** A temporary folder, removed by `cleanup`. */
export function tempDir(prefix = "roster-cli-"): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Every file and folder under `dir`, relative, sorted: to prove a command created nothing. */
export function listTree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).sort();
}
