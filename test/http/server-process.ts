import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { spawn } from "node:child_process";
import path from "node:path";

/** The built CLI, as a user runs it (`npm test` builds first). */
export const CLI = path.resolve("dist/controller/cli/main.js");

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** An environment without the caller's Roster credentials, plus `extra`. */
export function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...extra };
  if (!("ROSTER_TOKEN" in extra)) delete out.ROSTER_TOKEN;
  delete out.ROSTER_DEBUG;
  return out;
}

/** `roster ARGS` in `cwd`, stdin not a terminal. */
export function roster(
  args: string[],
  cwd: string,
  extraEnv: Record<string, string> = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: env(extraEnv) });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}

/** A running `roster serve` child: its URL (read from the startup line) and its output. */
export class ServerProcess {
  stderr = "";
  private constructor(
    readonly child: ChildProcessWithoutNullStreams,
    readonly url: string,
  ) {}

  static start(args: string[], cwd: string): Promise<ServerProcess> {
    const child = spawn(process.execPath, [CLI, "serve", ...args], { cwd, env: env() });
    let early = "";
    let server: ServerProcess | undefined;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`roster serve did not start: ${early}`));
      }, 20_000);
      child.stderr.on("data", (d: Buffer) => {
        if (server) {
          server.stderr += d.toString();
          return;
        }
        early += d.toString();
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(early);
        if (!match) return;
        clearTimeout(timer);
        server = new ServerProcess(child, match[1] as string);
        server.stderr = early;
        resolve(server);
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        if (!server) reject(new Error(`roster serve exited with ${code}: ${early}`));
      });
    });
  }

  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return Promise.resolve(this.child.exitCode);
    return new Promise((resolve) => {
      this.child.once("exit", (code) => resolve(code));
      this.child.kill("SIGTERM");
    });
  }
}
