import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** Shared plumbing of the Google API fakes: JSON bodies, Google's error shape, a call log. */

export interface GoogleCall {
  method: string;
  /** Decoded path, e.g. `/admin/directory/v1/groups/eng@acme.com/members`. */
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
}

/** A failure the fake answers instead of the real handler, `times` times. */
export interface InjectedFailure {
  method?: string;
  /** Matches when the decoded path contains this text. */
  pathIncludes?: string;
  status: number;
  /** `error.errors[0].reason`, e.g. `rateLimitExceeded`. */
  reason?: string;
  retryAfter?: string;
  /** Any further condition, e.g. on the page token. */
  match?: (call: GoogleCall) => boolean;
  times: number;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export type Handler = (
  method: string,
  segments: string[],
  query: Record<string, string>,
  body: unknown,
) => { status: number; body?: unknown };

/**
 * An HTTP server on 127.0.0.1 port 0 that checks the bearer token, logs every call, applies
 * injected failures, then hands the request to `handler`.
 */
export class GoogleFakeServer {
  readonly calls: GoogleCall[] = [];
  private readonly failures: InjectedFailure[] = [];
  private server: Server | undefined;
  url = "";

  constructor(
    private readonly handler: Handler,
    private readonly token: string,
  ) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.serve(req, res);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  inject(failure: InjectedFailure): void {
    this.failures.push({ ...failure });
  }

  /** Calls whose method and decoded path match, for counting reads and writes. */
  count(method: string, pathIncludes = ""): number {
    return this.calls.filter((c) => c.method === method && c.path.includes(pathIncludes)).length;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.server!.close((error) => (error ? reject(error) : resolve())),
    );
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const path = decodeURIComponent(url.pathname);
    const query = Object.fromEntries(url.searchParams.entries());
    const method = req.method ?? "GET";
    const text = await readBody(req);
    const body: unknown = text === "" ? undefined : JSON.parse(text);
    const log: GoogleCall = { method, path, query, body, status: 0 };
    this.calls.push(log);
    const answer = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      log.status = status;
      if (payload === undefined) {
        res.writeHead(status, headers).end();
        return;
      }
      res.writeHead(status, { "content-type": "application/json; charset=UTF-8", ...headers });
      res.end(JSON.stringify(payload));
    };
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      answer(401, googleError(401, "Request had invalid authentication credentials.", "authError"));
      return;
    }
    const failure = this.failures.find(
      (f) =>
        f.times > 0 &&
        (f.method === undefined || f.method === method) &&
        (f.pathIncludes === undefined || path.includes(f.pathIncludes)) &&
        (f.match === undefined || f.match(log)),
    );
    if (failure) {
      failure.times--;
      const message = failure.status === 429 ? "Too Many Requests" : "Rate Limit Exceeded";
      const headers: Record<string, string> =
        failure.retryAfter === undefined ? {} : { "retry-after": failure.retryAfter };
      answer(
        failure.status,
        googleError(failure.status, message, failure.reason ?? "rateLimitExceeded"),
        headers,
      );
      return;
    }
    try {
      const segments = path.split("/").filter((s) => s !== "");
      const result = this.handler(method, segments, query, body);
      answer(result.status, result.body);
    } catch (error) {
      if (error instanceof HttpError) {
        answer(error.status, googleError(error.status, error.message, error.reason), error.headers);
      } else {
        answer(500, googleError(500, String(error), "backendError"));
      }
    }
  }
}

/** Google's JSON error body (https://cloud.google.com/apis/design/errors#http_mapping). */
export function googleError(code: number, message: string, reason: string): unknown {
  const domain = reason.toLowerCase().includes("ratelimit") ? "usageLimits" : "global";
  return { error: { code, message, errors: [{ message, domain, reason }] } };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Opaque page tokens: the offset, base64-encoded, as an API would not promise anything about. */
export function pageOf<T>(
  items: T[],
  query: Record<string, string>,
  limits: { default: number; max: number },
): { page: T[]; nextPageToken?: string } {
  const size = query.maxResults === undefined ? limits.default : Number(query.maxResults);
  if (!Number.isInteger(size) || size < 1 || size > limits.max) {
    throw new HttpError(400, `Invalid value for maxResults: ${query.maxResults}`, "invalid");
  }
  const start =
    query.pageToken === undefined
      ? 0
      : Number(Buffer.from(query.pageToken, "base64url").toString("utf8"));
  if (!Number.isInteger(start) || start < 0) {
    throw new HttpError(400, "Invalid page token", "invalid");
  }
  const page = items.slice(start, start + size);
  const next = start + size;
  return next < items.length
    ? { page, nextPageToken: Buffer.from(String(next)).toString("base64url") }
    : { page };
}
