import type { ChildProcessWithoutNullStreams } from "node:child_process";
import type { GitCli, GitRunOptions } from "./git-cli.js";
import { GitError } from "./git-cli.js";

export type CatFileResult =
  | { kind: "blob"; text: string }
  | { kind: "oversized"; bytes: number }
  | { kind: "missing" }
  | { kind: "other"; type: string };

interface Pending {
  maxBytes: number;
  resolve: (result: CatFileResult) => void;
  reject: (error: Error) => void;
}

/**
 * One long-lived `git cat-file --batch` process: reading thousands of blobs costs one process,
 * not one per file. Requests are answered in order; a blob over `maxBytes` is drained without
 * being kept in memory.
 */
export class CatFileBatch {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly queue: Pending[] = [];
  private pending: Buffer = Buffer.alloc(0);
  private body: {
    remaining: number;
    chunks: Buffer[];
    keep: boolean;
    size: number;
    type: string;
  } | null = null;
  private stderr = "";
  private failure: Error | null = null;

  constructor(git: GitCli, where: GitRunOptions) {
    this.child = git.spawn(["cat-file", "--batch"], where);
    this.child.stdout.on("data", (chunk: Buffer) => this.onData(chunk));
    this.child.stderr.on("data", (chunk: Buffer) => (this.stderr += chunk.toString("utf8")));
    this.child.stdin.on("error", (error) => this.fail(error));
    this.child.on("error", (error) => this.fail(error));
    this.child.on("close", (code) =>
      this.fail(
        new GitError(git.scrub(`git cat-file exited (${code}): ${this.stderr.trim()}`), code),
      ),
    );
  }

  /** `name` is any object name git accepts, e.g. `<sha>:<path>` or a blob id. */
  read(name: string, maxBytes: number): Promise<CatFileResult> {
    if (this.failure) return Promise.reject(this.failure);
    if (/[\n\r]/.test(name)) {
      return Promise.reject(new Error(`cannot read "${JSON.stringify(name)}": newline in a path`));
    }
    return new Promise<CatFileResult>((resolve, reject) => {
      this.queue.push({ maxBytes, resolve, reject });
      this.child.stdin.write(`${name}\n`);
    });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const closed = new Promise<void>((resolve) => this.child.once("close", () => resolve()));
    this.child.stdin.end();
    await closed;
  }

  private fail(error: Error): void {
    if (!this.failure) this.failure = error;
    for (const p of this.queue.splice(0)) p.reject(this.failure);
  }

  private onData(chunk: Buffer): void {
    let data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    while (data.length > 0) {
      if (this.body) {
        const take = Math.min(this.body.remaining, data.length);
        if (this.body.keep) this.body.chunks.push(data.subarray(0, take));
        this.body.remaining -= take;
        data = data.subarray(take);
        if (this.body.remaining === 0) this.finishBody();
        continue;
      }
      const eol = data.indexOf(0x0a);
      if (eol < 0) {
        this.pending = Buffer.from(data);
        return;
      }
      this.startObject(data.subarray(0, eol).toString("utf8"));
      data = data.subarray(eol + 1);
    }
  }

  private startObject(header: string): void {
    const parts = header.split(" ");
    const head = this.queue[0];
    if (!head) return;
    if (parts.length !== 3) {
      // "<name> missing" or "<name> ambiguous": no body follows.
      this.queue.shift();
      head.resolve({ kind: "missing" });
      return;
    }
    const size = Number(parts[2]);
    const type = parts[1] ?? "";
    const keep = type === "blob" && size <= head.maxBytes;
    // The body is followed by one LF, counted here and dropped in finishBody.
    this.body = { remaining: size + 1, chunks: [], keep, size, type };
  }

  private finishBody(): void {
    const body = this.body;
    this.body = null;
    const head = this.queue.shift();
    if (!body || !head) return;
    if (body.type !== "blob") return head.resolve({ kind: "other", type: body.type });
    if (!body.keep) return head.resolve({ kind: "oversized", bytes: body.size });
    const all = Buffer.concat(body.chunks);
    head.resolve({ kind: "blob", text: all.subarray(0, all.length - 1).toString("utf8") });
  }
}
