import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import { verifyGitHubSignature } from "./webhook-signature.js";

/** GitHub caps webhook payloads at 25 MB; membership pushes are far smaller. */
const MAX_WEBHOOK_BYTES = 5 * 1024 * 1024;

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
  const server: Server = createServer((req, res) => {
    handle(options, req, res).catch((error: unknown) => {
      send(res, 500, { error: error instanceof Error ? error.message : String(error) });
    });
  });
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
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = (req.url ?? "/").split("?")[0];
  if (path === "/webhook") return webhook(options.webhook, req, res);
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
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (!options) return send(res, 404, { error: "webhook disabled: start with a webhook secret" });
  if (req.method !== "POST") return send(res, 405, { error: "POST only" });
  const body = await readRaw(req);
  if (body === undefined)
    return send(res, 413, { error: `payload over ${MAX_WEBHOOK_BYTES} bytes` });
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
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString("utf8"));
  } catch {
    return send(res, 400, { error: "payload is not JSON" });
  }
  const outcome = options.onEvent(event, payload);
  send(res, outcome.accepted ? 202 : 200, { message: outcome.message });
}

function readRaw(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_WEBHOOK_BYTES) chunks.push(chunk);
    });
    req.on("end", () => resolve(size > MAX_WEBHOOK_BYTES ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function probe(res: ServerResponse, ok: boolean, notOk: string): void {
  res.writeHead(ok ? 200 : 503, { "content-type": "text/plain; charset=utf-8" });
  res.end(ok ? "ok\n" : `${notOk}\n`);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(`${JSON.stringify(body)}\n`);
}
