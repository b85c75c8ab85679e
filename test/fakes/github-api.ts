import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as the fake saw it. `query` keeps only what paging and callers assert on. */
export interface GitHubCall {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: Record<string, unknown>;
}

export interface FakePull {
  number: number;
  author: string;
  baseSha: string;
  baseRef: string;
  headSha: string;
}

export interface FakeReview {
  id: number;
  user: { login: string };
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED" | "PENDING";
  commit_id: string;
  submitted_at: string;
}

export interface FakeComment {
  id: number;
  body: string;
  user: { login: string };
}

export interface FakeCheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string;
  output: { title: string; summary: string; annotations: Record<string, unknown>[] };
}

/** A canned failure for the next request(s) matching `path` (e.g. a rate limit). */
interface Failure {
  match: RegExp;
  status: number;
  headers: Record<string, string>;
  message: string;
}

const BODY_LIMIT = 65_535;
const MAX_PER_PAGE = 100;

/**
 * The slice of GitHub's REST API the PR check uses, on 127.0.0.1 port 0, with GitHub's paths,
 * JSON, `Link` paging and limits (65,535-character bodies, 50 annotations per request, 100 per
 * page), and a log of every call. It answers 401 to any other token, as GitHub does.
 */
export class FakeGitHub {
  readonly calls: GitHubCall[] = [];
  readonly pulls = new Map<string, FakePull>();
  readonly reviews = new Map<string, FakeReview[]>();
  readonly comments = new Map<string, FakeComment[]>();
  readonly checkRuns: FakeCheckRun[] = [];
  /** Authorization headers seen, to prove the token is sent (and only as a header). */
  readonly authorizations = new Set<string>();
  url = "";
  private server: Server | undefined;
  private nextId = 1000;
  private readonly failures: Failure[] = [];
  private readonly hangs: RegExp[] = [];

  constructor(
    readonly token: string,
    readonly owner = "acme",
    readonly repo = "access",
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => send(res, 500, { message: String(error) }));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  setPull(pull: FakePull): void {
    this.pulls.set(String(pull.number), pull);
  }

  addReview(number: number, review: Omit<FakeReview, "id">): void {
    const list = this.reviews.get(String(number)) ?? [];
    list.push({ id: this.nextId++, ...review });
    this.reviews.set(String(number), list);
  }

  /** A comment someone else left on the PR. */
  addComment(number: number, login: string, body: string): FakeComment {
    const comment = { id: this.nextId++, body, user: { login } };
    const list = this.comments.get(String(number)) ?? [];
    list.push(comment);
    this.comments.set(String(number), list);
    return comment;
  }

  /** The next `times` requests whose path matches answer `status` with `headers`. */
  failNext(
    match: RegExp,
    status: number,
    headers: Record<string, string>,
    message: string,
    times = 1,
  ): void {
    for (let i = 0; i < times; i++) this.failures.push({ match, status, headers, message });
  }

  /** The next request whose path matches gets no answer at all. */
  hangNext(match: RegExp): void {
    this.hangs.push(match);
  }

  /** The calls without the method+path pairs a test does not care about, as `METHOD path`. */
  callLines(): string[] {
    return this.calls.map(
      (c) => `${c.method} ${c.path}${c.query.page ? `?page=${c.query.page}` : ""}`,
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const raw = await readBody(req);
    const body = raw === "" ? undefined : (JSON.parse(raw) as Record<string, unknown>);
    const query = Object.fromEntries(url.searchParams);
    this.calls.push({
      method: req.method ?? "",
      path: url.pathname,
      query,
      ...(body ? { body } : {}),
    });

    const auth = req.headers.authorization ?? "";
    this.authorizations.add(auth);
    if (auth !== `token ${this.token}` && auth !== `bearer ${this.token}`) {
      return send(res, 401, { message: "Bad credentials" });
    }
    const hang = this.hangs.findIndex((h) => h.test(url.pathname));
    if (hang >= 0) {
      // Never answered: the client's own deadline must end the request.
      this.hangs.splice(hang, 1);
      return;
    }
    const failure = this.failures.findIndex((f) => f.match.test(url.pathname));
    if (failure >= 0) {
      const [f] = this.failures.splice(failure, 1);
      return send(res, f!.status, { message: f!.message }, f!.headers);
    }

    const prefix = `/repos/${this.owner}/${this.repo}`;
    if (!url.pathname.startsWith(`${prefix}/`)) return send(res, 404, { message: "Not Found" });
    const rest = url.pathname.slice(prefix.length);
    let m: RegExpExecArray | null;
    if (req.method === "GET" && (m = /^\/pulls\/(\d+)$/.exec(rest)))
      return this.getPull(res, m[1]!);
    if (req.method === "GET" && (m = /^\/pulls\/(\d+)\/reviews$/.exec(rest))) {
      return this.page(res, url, this.reviews.get(m[1]!) ?? []);
    }
    if (req.method === "POST" && rest === "/check-runs")
      return this.createCheckRun(res, body ?? {});
    if (req.method === "PATCH" && (m = /^\/check-runs\/(\d+)$/.exec(rest))) {
      return this.updateCheckRun(res, Number(m[1]), body ?? {});
    }
    if (req.method === "GET" && (m = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      return this.page(res, url, this.comments.get(m[1]!) ?? []);
    }
    if (req.method === "POST" && (m = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      return this.createComment(res, m[1]!, body ?? {});
    }
    if (req.method === "PATCH" && (m = /^\/issues\/comments\/(\d+)$/.exec(rest))) {
      return this.updateComment(res, Number(m[1]), body ?? {});
    }
    send(res, 404, { message: "Not Found" });
  }

  private getPull(res: ServerResponse, number: string): void {
    const pull = this.pulls.get(number);
    if (!pull) return send(res, 404, { message: "Not Found" });
    send(res, 200, {
      number: pull.number,
      state: "open",
      user: { login: pull.author, type: "User" },
      head: { sha: pull.headSha, ref: `pr-${pull.number}` },
      base: { sha: pull.baseSha, ref: pull.baseRef },
    });
  }

  /** GitHub paging: `per_page` (max 100, default 30), `page`, and a `Link` header with rel="next"/"last". */
  private page(res: ServerResponse, url: URL, items: readonly unknown[]): void {
    const perPage = Math.min(MAX_PER_PAGE, Number(url.searchParams.get("per_page") ?? 30));
    const page = Math.max(1, Number(url.searchParams.get("page") ?? 1));
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const headers: Record<string, string> = {};
    if (page < last) {
      const link = (p: number) => {
        const next = new URL(url.toString());
        next.searchParams.set("page", String(p));
        return `${this.url}${next.pathname}${next.search}`;
      };
      headers.link = `<${link(page + 1)}>; rel="next", <${link(last)}>; rel="last"`;
    }
    send(res, 200, items.slice((page - 1) * perPage, page * perPage), headers);
  }

  private createCheckRun(res: ServerResponse, body: Record<string, unknown>): void {
    const output = (body.output ?? {}) as FakeCheckRun["output"];
    const invalid = validateOutput(output);
    if (invalid) return send(res, 422, { message: invalid });
    const run: FakeCheckRun = {
      id: this.nextId++,
      name: String(body.name),
      head_sha: String(body.head_sha),
      status: String(body.status),
      conclusion: String(body.conclusion),
      output: {
        title: output.title,
        summary: output.summary,
        annotations: [...(output.annotations ?? [])],
      },
    };
    this.checkRuns.push(run);
    send(res, 201, {
      id: run.id,
      name: run.name,
      head_sha: run.head_sha,
      status: run.status,
      conclusion: run.conclusion,
    });
  }

  private updateCheckRun(res: ServerResponse, id: number, body: Record<string, unknown>): void {
    const run = this.checkRuns.find((r) => r.id === id);
    if (!run) return send(res, 404, { message: "Not Found" });
    const output = (body.output ?? {}) as FakeCheckRun["output"];
    const invalid = validateOutput(output);
    if (invalid) return send(res, 422, { message: invalid });
    // GitHub appends annotations sent with an update to those already on the run.
    run.output = {
      title: output.title,
      summary: output.summary,
      annotations: [...run.output.annotations, ...(output.annotations ?? [])],
    };
    send(res, 200, { id: run.id });
  }

  private createComment(res: ServerResponse, number: string, body: Record<string, unknown>): void {
    const text = typeof body.body === "string" ? body.body : "";
    if (text.length > BODY_LIMIT)
      return send(res, 422, {
        message: "Validation Failed: body is too long (maximum is 65536 characters)",
      });
    const comment = this.addComment(Number(number), "github-actions[bot]", text);
    send(res, 201, { id: comment.id, body: comment.body, user: comment.user });
  }

  private updateComment(res: ServerResponse, id: number, body: Record<string, unknown>): void {
    const text = typeof body.body === "string" ? body.body : "";
    if (text.length > BODY_LIMIT)
      return send(res, 422, {
        message: "Validation Failed: body is too long (maximum is 65536 characters)",
      });
    for (const list of this.comments.values()) {
      const comment = list.find((c) => c.id === id);
      if (comment) {
        comment.body = text;
        return send(res, 200, { id: comment.id, body: comment.body, user: comment.user });
      }
    }
    send(res, 404, { message: "Not Found" });
  }
}

function validateOutput(output: Partial<FakeCheckRun["output"]>): string | undefined {
  if (typeof output.title !== "string" || typeof output.summary !== "string")
    return "output needs title and summary";
  if (output.summary.length > BODY_LIMIT)
    return "output.summary is too long (maximum is 65535 characters)";
  if ((output.annotations?.length ?? 0) > 50) return "output.annotations: at most 50 per request";
  return undefined;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
}
