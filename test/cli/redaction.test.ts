import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { PortalStore } from "../../controller/adapters/backends/sqlite/store.js";
import { createLogger } from "../../controller/server/controller/logger.js";

// A Git token inside a --source URL never reaches output or logs (issue 13).
const CLI = path.resolve("dist/controller/cli/main.js");
const cwd = mkdtempSync(path.join(tmpdir(), "roster-redact-"));
// plan reads an existing store only (it never creates one): give it one.
const STORE = path.join(cwd, "portal.db");
PortalStore.open(STORE).close();
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

function roster(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd }, (error, stdout, stderr) => {
      resolve({ code: error ? 1 : 0, out: stdout + stderr });
    });
  });
}

describe("URLs in output and logs", { timeout: 60_000 }, () => {
  it.each([
    ["plan", "https://user:s3cr3t@127.0.0.1:1/acme.git#main"],
    ["plan", "https://s3cr3t@127.0.0.1:1/acme.git"],
    ["plan", "https://127.0.0.1:1/acme.git?token=s3cr3t"],
    ["check", "https://x-access-token:s3cr3t@127.0.0.1:1/acme.git"],
  ])("roster %s with %s: the secret is never printed", async (command, url) => {
    const args =
      command === "plan"
        ? ["plan", "--source", url, "--backend", `sqlite:${STORE}`]
        : ["check", "--repo", url, "--base", "main", "--head", "pr", "--author", "a"];
    const run = await roster(args);
    expect(run.code).toBe(1);
    expect(run.out).toContain("127.0.0.1:1");
    expect(run.out).not.toContain("s3cr3t");
    if (url.includes("@")) expect(run.out).toContain("ROSTER_GIT_TOKEN or --git-token-file");
  });

  it("the controller's JSON logs redact every URL in every line", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = createLogger("info", sink);
    log.error(
      { source: "https://u:s3cr3t@git.example/acme.git" },
      "fetch https://tok@h/x?key=k1 failed",
    );
    expect(lines.join("")).not.toMatch(/s3cr3t|tok@|k1/);
    expect(lines.join("")).toContain("https://***@git.example/acme.git");
  });
});
