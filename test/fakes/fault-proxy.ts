import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A fault layer in front of a real HTTP server on 127.0.0.1 (tests and bench/http-apply.mjs).
 * Every request may be delayed, answered with an error instead of being forwarded, or — the
 * dangerous case — forwarded, committed upstream, and then have its client connection reset
 * so the caller never learns the write happened. Only node: imports, so the bench can
 * transpile this file on its own.
 */
export type FaultAction =
  /** Waits, then forwards. */
  | { kind: "latency"; ms: number }
  /** Answers without forwarding (500, 503, 429 + Retry-After, …). */
  | { kind: "status"; status: number; retryAfter?: string }
  /** Resets the client connection without forwarding: the server never sees the request. */
  | { kind: "reset-before" }
  /** Forwards, waits for the server's whole response (the write committed), then resets. */
  | { kind: "reset-after-commit" };

export interface FaultRule {
  method?: string;
  /** Matched against the path without the query string; a string must be equal. */
  path?: string | RegExp;
  /** Also matched against the query string (e.g. /cursor=/ for "a page after the first"). */
  query?: RegExp;
  /** 1-based: fire only on these matching requests (default: every one). */
  nth?: number | number[];
  /** Fire at most this many times (default: unlimited). */
  times?: number;
  action: FaultAction;
}

export interface ProxiedRequest {
  method: string;
  path: string;
  query: string;
  /** The status the client saw; `reset` when its connection was dropped. */
  status: number | "reset";
  /** The status the upstream server answered, when the request reached it. */
  upstreamStatus?: number;
  fault?: FaultAction["kind"];
}

interface LiveRule {
  rule: FaultRule;
  seen: number;
  fired: number;
}

export class FaultProxy {
  /** Added to every request before it is forwarded. */
  latencyMs = 0;
  readonly log: ProxiedRequest[] = [];
  private rules: LiveRule[] = [];
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

  private constructor(
    private readonly server: http.Server,
    private readonly upstream: URL,
  ) {}

  static async start(upstream: string, options: { latencyMs?: number } = {}): Promise<FaultProxy> {
    const server = http.createServer();
    const proxy = new FaultProxy(server, new URL(upstream));
    proxy.latencyMs = options.latencyMs ?? 0;
    server.on("request", (req, res) => {
      proxy.handle(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  add(rule: FaultRule): this {
    this.rules.push({ rule, seen: 0, fired: 0 });
    return this;
  }

  clearRules(): void {
    this.rules = [];
  }

  clearLog(): void {
    this.log.length = 0;
  }

  /** Requests the client sent, filtered by method and path pattern. */
  count(method?: string, path?: string | RegExp): number {
    return this.log.filter((r) => matches(r.method, r.path, method, path)).length;
  }

  /** Requests that reached the upstream server. */
  upstreamCount(method?: string, path?: string | RegExp): number {
    return this.log.filter(
      (r) => r.upstreamStatus !== undefined && matches(r.method, r.path, method, path),
    ).length;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.agent.destroy();
  }

  private pick(method: string, path: string, query: string): FaultAction | undefined {
    let chosen: FaultAction | undefined;
    for (const live of this.rules) {
      const { rule } = live;
      if (!matches(method, path, rule.method, rule.path)) continue;
      if (rule.query && !rule.query.test(query)) continue;
      live.seen++;
      if (chosen) continue;
      const nth = rule.nth === undefined ? undefined : [rule.nth].flat();
      if (nth && !nth.includes(live.seen)) continue;
      if (rule.times !== undefined && live.fired >= rule.times) continue;
      live.fired++;
      chosen = rule.action;
    }
    return chosen;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const [path = "/", query = ""] = (req.url ?? "/").split("?", 2);
    const entry: ProxiedRequest = { method, path, query, status: 0 };
    this.log.push(entry);
    const action = this.pick(method, path, query);
    if (action) entry.fault = action.kind;
    const delay = this.latencyMs + (action?.kind === "latency" ? action.ms : 0);
    const body = await readAll(req);
    if (delay > 0) await sleep(delay);

    if (action?.kind === "status") {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (action.retryAfter !== undefined) headers["retry-after"] = action.retryAfter;
      const text = JSON.stringify({
        error: { code: "injected", message: `fault proxy: injected ${action.status}` },
      });
      res.writeHead(action.status, headers).end(text);
      entry.status = action.status;
      return;
    }
    if (action?.kind === "reset-before") {
      entry.status = "reset";
      req.socket.resetAndDestroy();
      return;
    }
    const answer = await this.forward(req, body);
    entry.upstreamStatus = answer.status;
    if (action?.kind === "reset-after-commit") {
      entry.status = "reset";
      req.socket.resetAndDestroy();
      return;
    }
    entry.status = answer.status;
    res.writeHead(answer.status, answer.headers).end(answer.body);
  }

  private forward(
    req: http.IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: http.OutgoingHttpHeaders; body: Buffer }> {
    const headers = { ...req.headers, host: this.upstream.host };
    delete headers.connection;
    return new Promise((resolve, reject) => {
      const upstreamReq = http.request(
        {
          host: this.upstream.hostname,
          port: this.upstream.port,
          method: req.method,
          path: req.url,
          headers,
          agent: this.agent,
        },
        (upstreamRes) => {
          readAll(upstreamRes).then((data) => {
            const out = { ...upstreamRes.headers };
            delete out.connection;
            delete out["keep-alive"];
            delete out["transfer-encoding"];
            out["content-length"] = String(data.length);
            resolve({ status: upstreamRes.statusCode ?? 502, headers: out, body: data });
          }, reject);
        },
      );
      upstreamReq.on("error", reject);
      upstreamReq.end(body);
    });
  }
}

function matches(
  method: string,
  path: string,
  wantMethod: string | undefined,
  wantPath: string | RegExp | undefined,
): boolean {
  if (wantMethod !== undefined && wantMethod !== method) return false;
  if (wantPath === undefined) return true;
  return typeof wantPath === "string" ? wantPath === path : wantPath.test(path);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
