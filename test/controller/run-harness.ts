import { spawn } from "node:child_process";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { CLI, cleanEnv } from "../e2e-apply/harness.js";

export interface LogLine {
  level: number;
  msg: string;
  org?: string | null;
  revision?: string | null;
  [key: string]: unknown;
}

/** `roster run …` as a long-running child process whose JSON log lines the test can wait for. */
export class RunningController {
  readonly logs: LogLine[] = [];
  stderr = "";
  url = "";
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly exited: Promise<number | null>;

  constructor(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [CLI, "run", ...args], {
      cwd,
      env: { ...cleanEnv(), ...env },
    });
    let buffered = "";
    this.child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) this.logs.push(JSON.parse(line) as LogLine);
    });
    this.child.stderr.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.on("close", (code) => resolve(code)));
  }

  async started(): Promise<string> {
    const line = await this.waitForLog((l) => l.msg === "roster controller started");
    this.url = String(line.url);
    return this.url;
  }

  async waitForLog(match: (line: LogLine) => boolean, timeoutMs = 60_000): Promise<LogLine> {
    await waitFor(
      () => this.logs.some(match),
      timeoutMs,
      () => this.describe(),
    );
    return this.logs.find(match) as LogLine;
  }

  describe(): string {
    return `logs:\n${this.logs.map((l) => JSON.stringify(l)).join("\n")}\nstderr:\n${this.stderr}`;
  }

  async stop(): Promise<number | null> {
    this.child.kill("SIGTERM");
    return this.exited;
  }
}

export async function waitFor(
  check: () => boolean,
  timeoutMs = 60_000,
  describe: () => string = () => "",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline)
      throw new Error(`condition not reached in ${timeoutMs} ms\n${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Prometheus text format → sample value by `name{labels}` as written by prom-client. */
export function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}
