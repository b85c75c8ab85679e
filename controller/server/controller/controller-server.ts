import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import { verifyGitHubSignature } from "./webhook-signature.js";

/** GitHub caps webhook payloads at 25 MB; membership pushes are far smaller. */
const MAX_WEBHOOK_BYTES = 5 * 1024 * 1024;
/** GitHub retries a delivery with the same `X-GitHub-Delivery`: the last ones are remembered. */
const REMEMBERED_DELIVERIES = 1000;

export interface WebhookOptions {
  secret: string;
  /** Called with the `X-GitHub-Event` name and the parsed payload of a verified delivery. */
  onEvent(event: string, payload: unknown): { accepted: boolean; message: string };
}

export interface ControllerServerOptions {
  host: string;
  port: number;
  registry: Registry;
  isHealthy(): boolean;
  isReady(): boolean;
  /** Absent: `POST /webhook` answers 404 (no secret configured, so nothing could be verified). */
  webhook?: WebhookOptions;
}

export interface ControllerServer {
  url: string;
  close(): Promise<void>;
}

/** `/healthz`, `/readyz`, `/metrics` and `POST /webhook` for `roster run`, on plain node:http. */
export async function startControllerServer(
  options: ControllerServerOptions,
): Promise<ControllerServer> {
  const deliveries = new Deliveries(REMEMBERED_DELIVERIES);
  const server: Server = createServer((req, res) => {
    handle(options, deliveries, req, res).catch((error: unknown) => {
      send(res, 500, { error: error instanceof Error ? error.message : String(error) });
    });
  });
  // Slow clients may not hold a connection open forever (slowloris).
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(
  options: ControllerServerOptions,
  deliveries: Deliveries,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = (req.url ?? "/").split("?")[0];
  if (path === "/webhook") return webhook(options.webhook, deliveries, req, res);
  if (req.method !== "GET" && req.method !== "HEAD")
    return send(res, 405, { error: "method not allowed" });
  if (path === "/healthz") return probe(res, options.isHealthy(), "stopped");
  if (path === "/readyz") return probe(res, options.isReady(), "no successful sync yet");
  if (path === "/metrics") {
    const text = await options.registry.metrics();
    res.writeHead(200, { "content-type": options.registry.contentType });
    res.end(text);
    return;
  }
  send(res, 404, { error: "not found" });
}

async function webhook(
  options: WebhookOptions | undefined,
  deliveries: Deliveries,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (!options) return send(res, 404, { error: "webhook disabled: start with a webhook secret" });
  if (req.method !== "POST") return send(res, 405, { error: "POST only" });
  const body = await readRaw(req);
  if (body === undefined) return tooLarge(req, res);
  const signature = req.headers["x-hub-signature-256"];
  if (
    !verifyGitHubSignature(
      options.secret,
      body,
      typeof signature === "string" ? signature : undefined,
    )
  ) {
    return send(res, 401, { error: "bad or missing X-Hub-Signature-256" });
  }
  const event = String(req.headers["x-github-event"] ?? "");
  if (event === "ping") return send(res, 200, { message: "pong" });
  // Only after the signature: an unsigned request cannot fill the memory of deliveries.
  const delivery = req.headers["x-github-delivery"];
  if (typeof delivery === "string" && delivery !== "" && !deliveries.first(delivery)) {
    return send(res, 200, { message: `delivery ${delivery.slice(0, 64)} already received` });
  }
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString("utf8"));
  } catch {
    return send(res, 400, { error: "payload is not JSON" });
  }
  const outcome = options.onEvent(event, payload);
  send(res, outcome.accepted ? 202 : 200, { message: outcome.message });
}

/**
 * The raw body, or undefined as soon as it passes the cap (by its Content-Length, or while
 * reading): the rest is never read.
 */
function readRaw(req: IncomingMessage): Promise<Buffer | undefined> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > MAX_WEBHOOK_BYTES) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= MAX_WEBHOOK_BYTES) {
        chunks.push(chunk);
        return;
      }
      req.off("data", onData);
      req.pause();
      resolve(undefined);
    };
    req.on("data", onData);
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** 413, then the connection goes: the unread rest of the body must not be read as a request. */
function tooLarge(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(413, { "content-type": "application/json", connection: "close" });
  res.end(`${JSON.stringify({ error: `payload over ${MAX_WEBHOOK_BYTES} bytes` })}\n`, () =>
    req.destroy(),
  );
}

/** The last `capacity` delivery ids, oldest forgotten first. */
class Deliveries {
  private readonly seen = new Set<string>();
  constructor(private readonly capacity: number) {}

  /** True the first time `id` is seen. */
  first(id: string): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    if (this.seen.size > this.capacity) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    return true;
  }
}

function probe(res: ServerResponse, ok: boolean, notOk: string): void {
  res.writeHead(ok ? 200 : 503, { "content-type": "text/plain; charset=utf-8" });
  res.end(ok ? "ok\n" : `${notOk}\n`);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(`${JSON.stringify(body)}\n`);
}
