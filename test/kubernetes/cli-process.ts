import { spawn } from "node:child_process";
import path from "node:path";

export const CLI = path.resolve(import.meta.dirname, "../../dist/controller/cli/main.js");

/** A kubeconfig for the fake API server (http, so TLS verification is off). */
export function kubeconfigYaml(server: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    `clusters:\n- name: fake\n  cluster:\n    server: ${server}\n    insecure-skip-tls-verify: true`,
    "users:\n- name: ci\n  user:\n    token: t",
    "contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: ci",
    "current-context: fake",
    "",
  ].join("\n");
}

/** Spawned asynchronously: the fake API server answers from this same process. */
export function rosterAsync(
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      ...options,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
