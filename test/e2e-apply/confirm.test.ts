import { afterEach, describe, expect, it } from "vitest";
import { CLI, E2E_TIMEOUT_MS, runProcess, Workspace } from "./harness.js";

// A real terminal for the CLI: Python's pty module gives the child a pseudo-terminal as stdin,
// stdout and stderr, and copies what we write to it, as if typed.
const PTY = "import os, pty, sys; sys.exit(os.waitstatus_to_exitcode(pty.spawn(sys.argv[1:])))";

describe("apply on a terminal asks before changing anything", { timeout: E2E_TIMEOUT_MS }, () => {
  let ws: Workspace;
  afterEach(() => ws.cleanup());

  const typed = (answer: string) =>
    runProcess(
      "python3",
      ["-c", PTY, process.execPath, CLI, "apply", "--source", ws.src, "--backend", ws.backend],
      ws.dir,
      answer,
    );

  it("anything but yes cancels: exit 1, nothing written", async () => {
    ws = new Workspace();
    ws.declareOrg("acme", { "owner@acme.com": "owner", "bob@acme.com": "member" });
    const run = await typed("no\n");
    expect(run.stdout).toContain("+ invite bob@acme.com as member");
    expect(run.stdout).toContain('Apply 2 changes? Type "yes" to confirm:');
    expect(run.stdout).toContain("apply cancelled: nothing changed");
    expect(run.code).toBe(1);
    expect(ws.query("SELECT * FROM organizations")).toEqual([]);
  });

  it("y is not yes: the prompt asks for yes, and only yes agrees", async () => {
    ws = new Workspace();
    ws.declareOrg("acme", { "owner@acme.com": "owner", "bob@acme.com": "member" });
    const run = await typed("y\n");
    expect(run.stdout).toContain('Type "yes" to confirm:');
    expect(run.stdout).toContain("apply cancelled: nothing changed");
    expect(run.code).toBe(1);
    expect(ws.query("SELECT * FROM organizations")).toEqual([]);
  });

  it("yes applies", async () => {
    ws = new Workspace();
    ws.declareOrg("acme", { "owner@acme.com": "owner", "bob@acme.com": "member" });
    const run = await typed("yes\n");
    expect(run.stdout).toContain("Applied 2, unchanged 0, failed 0, blocked 0.");
    expect(run.code).toBe(0);
    expect(ws.invitations("acme")).toEqual({ "bob@acme.com": "member" });
  });
});
