import { spawnSync } from "node:child_process";
import path from "node:path";

export const root = path.resolve(import.meta.dirname, "../..");
export const cliPath = path.join(root, "dist/controller/cli/main.js");

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The built CLI, as a user types it. */
export function roster(args: string[], cwd = root): Run {
  const r = spawnSync(process.execPath, [cliPath, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
