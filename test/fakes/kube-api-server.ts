import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { CrdResource } from "./kube-crds.js";
import type { KubeObject, StoredEvent } from "./kube-object-store.js";
import { HttpError, conflict, statusObject } from "./kube-errors.js";
import { KubeObjectStore, RESOURCES, inNamespace, mergePatch } from "./kube-object-store.js";

export type { KubeObject } from "./kube-object-store.js";

/**
 * A fake Kubernetes API server speaking the real REST wire protocol for what Roster's controller
 * calls through @kubernetes/client-node: custom resources (status subresource, generation,
 * finalizers and deletionTimestamp — see kube-object-store.ts), list and `?watch=1` streams of
 * newline-delimited JSON events with resourceVersions, merge patch, Events and
 * coordination.k8s.io Leases. Custom resources follow their CRDs in crds/: pruned, defaulted
 * and validated (422 Invalid) on write, decoded again on read. Tests drive it through the real client library, read its
 * request log, and break it on purpose (dropped watches, compaction, injected failures).
 */

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  body: unknown;
  status: number;
  /** The bearer token the client sent: tells apart clients with different kubeconfigs. */
  token: string | undefined;
  /** `Warning` headers of the answer: unknown fields the CRD schema pruned from the body. */
  warnings: string[];
}

interface Watcher {
  resource: string;
  namespace: string | undefined;
  res: ServerResponse;
  token: string | undefined;
  bookmarks: boolean;
}

interface Failure {
  method: string;
  pathIncludes: string;
  status: number;
  times: number;
}

const PATH =
  /^(\/apis\/[^/]+\/[^/]+|\/api\/v1)(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(?:\/(status))?$/;

export class FakeKubeApiServer {
  readonly requests: LoggedRequest[] = [];
  private readonly server: Server;
  private readonly store: KubeObjectStore;
  private readonly watchers = new Set<Watcher>();
  private readonly failures: Failure[] = [];
  private readonly partitioned = new Set<string>();
  private readonly held: { token: string | undefined; res: ServerResponse }[] = [];
  private readonly hangs: { method: string; pathIncludes: string; times: number }[] = [];

  /** `crds`: serve these CRD schemas instead of crds/' (a test's variant, e.g. a field less). */
  constructor(options: { crds?: CrdResource[] } = {}) {
    const schemas = new Map(
      (options.crds ?? []).map((c) => [`/apis/${c.group}/${c.version}|${c.plural}`, c.schema]),
    );
    this.store = new KubeObjectStore((event) => this.broadcast(event), schemas);
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return this.url;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    this.dropWatches();
    for (const h of this.held.splice(0)) h.res.socket?.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Ends every open watch stream, as an API server restart or a load balancer timeout does. */
  dropWatches(): void {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
  }

  /**
   * Compacts the history as etcd does after other writes moved the revision on: every client
   * watching from a resourceVersion it already holds gets 410 Gone when it re-watches.
   */
  compact(): void {
    this.store.compact();
  }

  /** Sends a BOOKMARK with the current resourceVersion to every watch that allows them. */
  bookmark(): void {
    for (const w of this.watchers) this.sendBookmark(w);
  }

  /**
   * A network partition between one client (by bearer token) and the server: its requests are
   * never answered and its open watches go silent, while every other client is served.
   */
  partition(token: string): void {
    this.partitioned.add(token);
  }

  /** Ends the partition: the connections it held are reset, as after a real outage. */
  heal(token: string): void {
    this.partitioned.delete(token);
    for (const h of this.held.filter((h) => h.token === token)) {
      this.held.splice(this.held.indexOf(h), 1);
      h.res.socket?.destroy();
    }
    for (const w of [...this.watchers].filter((w) => w.token === token)) {
      this.watchers.delete(w);
      w.res.socket?.destroy();
    }
  }

  /** The next `times` requests matching method + path fragment are never answered. */
  hangNext(method: string, pathIncludes: string, times = 1): void {
    this.hangs.push({ method, pathIncludes, times });
  }

  /** Requests received, never answered, and still open on the client's side. */
  get hungRequests(): number {
    return this.held.length;
  }

  /** Makes the next `times` requests matching method + path fragment answer `status`. */
  failNext(method: string, pathIncludes: string, status: number, times = 1): void {
    this.failures.push({ method, pathIncludes, status, times });
  }

  get watchCount(): number {
    return this.watchers.size;
  }

  /** Test access to a stored object (a copy). `plural` as in the URL. */
  get(plural: string, namespace: string, name: string): KubeObject | undefined {
    const found = this.store.find(resourceOf(plural), namespace, name);
    return found ? structuredClone(found) : undefined;
  }

  list(plural: string, namespace?: string): KubeObject[] {
    return structuredClone(this.store.list(resourceOf(plural), namespace).items);
  }

  /**
   * Stores an object as etcd would hold it, without the request pipeline: written before the
   * CRD's current schema. Reads prune and default it with the schema of today.
   */
  putStored(plural: string, object: KubeObject): void {
    this.store.putStored(resourceOf(plural), object.metadata.namespace ?? "default", object);
  }

  /** Creates an object as a client would, for test set-up. */
  put(plural: string, object: KubeObject): KubeObject {
    const namespace = object.metadata.namespace ?? "default";
    return structuredClone(
      this.store.create(resourceOf(plural), namespace, structuredClone(object)),
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const raw = await readBody(req);
    const entry: LoggedRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams.entries()),
      contentType: req.headers["content-type"]?.split(";")[0]?.trim(),
      body: undefined,
      status: 0,
      token: /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1],
      warnings: [],
    };
    this.requests.push(entry);
    if (this.shouldHang(entry)) {
      const held = { token: entry.token, res }; // status stays 0: never answered
      this.held.push(held);
      res.on("close", () => {
        const at = this.held.indexOf(held);
        if (at >= 0) this.held.splice(at, 1);
      });
      return;
    }
    const reply = (status: number, payload: unknown) => {
      entry.status = status;
      const headers: Record<string, string | string[]> = { "content-type": "application/json" };
      // RFC 7234 warn-code 299, as the API server sends them (client-node ignores them).
      const warnings = entry.warnings.map((w) => `299 - ${JSON.stringify(w)}`);
      if (warnings.length > 0) headers.warning = warnings;
      res.writeHead(status, headers);
      res.end(JSON.stringify(payload));
    };
    try {
      entry.body = raw.length > 0 ? JSON.parse(raw) : undefined;
      this.injectedFailure(entry);
      if (entry.method === "GET" && (entry.query.watch === "true" || entry.query.watch === "1")) {
        entry.status = 200;
        this.watch(url.pathname, entry.query, res, entry.token);
        return;
      }
      const [status, payload] = this.route(entry);
      reply(status, payload);
    } catch (error) {
      if (error instanceof HttpError) reply(error.code, statusObject(error));
      else if (error instanceof SyntaxError) reply(400, statusObject(badRequest(error.message)));
      else reply(500, statusObject(new HttpError(500, "InternalError", String(error))));
    }
  }

  private shouldHang(entry: LoggedRequest): boolean {
    if (entry.token !== undefined && this.partitioned.has(entry.token)) return true;
    const hang = this.hangs.find(
      (h) => h.method === entry.method && entry.path.includes(h.pathIncludes),
    );
    if (!hang) return false;
    if (--hang.times <= 0) this.hangs.splice(this.hangs.indexOf(hang), 1);
    return true;
  }

  private sendBookmark(w: Watcher): void {
    if (!w.bookmarks || (w.token !== undefined && this.partitioned.has(w.token))) return;
    const type = RESOURCES[w.resource];
    const object = {
      apiVersion: type?.apiVersion,
      kind: type?.kind,
      metadata: { resourceVersion: String(this.store.revision) },
    };
    w.res.write(`${JSON.stringify({ type: "BOOKMARK", object })}\n`);
  }

  private injectedFailure(entry: LoggedRequest): void {
    const failure = this.failures.find(
      (f) => f.method === entry.method && entry.path.includes(f.pathIncludes),
    );
    if (!failure) return;
    if (--failure.times <= 0) this.failures.splice(this.failures.indexOf(failure), 1);
    throw new HttpError(failure.status, "InternalError", "injected failure");
  }

  private route(entry: LoggedRequest): [number, unknown] {
    const { method, path, contentType, body } = entry;
    const { resource, namespace, name, status } = parsePath(path);
    const options = { fieldValidation: entry.query.fieldValidation, warnings: entry.warnings };
    if (name === undefined) {
      if (method === "GET") {
        this.expiredList(entry.query);
        return [200, this.store.list(resource, namespace)];
      }
      if (method === "POST" && namespace !== undefined) {
        return [201, this.store.create(resource, namespace, asObject(body), options)];
      }
      throw new HttpError(405, "MethodNotAllowed", `${method} ${path}`);
    }
    if (namespace === undefined) throw new HttpError(404, "NotFound", path);
    switch (method) {
      case "GET":
        return [200, this.store.get(resource, namespace, name)];
      case "PUT":
        return [200, this.store.update(resource, namespace, name, asObject(body), status, options)];
      case "PATCH": {
        if (contentType !== "application/merge-patch+json") {
          throw new HttpError(
            415,
            "UnsupportedMediaType",
            `the fake supports merge patch only, got ${contentType ?? "none"}`,
          );
        }
        const current = this.store.get(resource, namespace, name);
        const patch = asObject(body);
        // A resourceVersion in a merge patch is a precondition, as on a real API server.
        const wanted = patch.metadata?.resourceVersion;
        if (wanted !== undefined && wanted !== current.metadata.resourceVersion) {
          throw conflict(resource, name);
        }
        const merged = mergePatch(current, patch) as KubeObject;
        merged.metadata.resourceVersion = current.metadata.resourceVersion;
        return [200, this.store.update(resource, namespace, name, merged, status, options)];
      }
      case "DELETE":
        return [200, this.store.remove(resource, namespace, name)];
      default:
        throw new HttpError(405, "MethodNotAllowed", method);
    }
  }

  /**
   * A list at an exact resourceVersion the history no longer holds is 410 Gone over HTTP (a
   * watch learns the same from an ERROR event instead, see watch()).
   */
  private expiredList(query: Record<string, string>): void {
    const from = Number(query.resourceVersion);
    const { compactedBelow } = this.store;
    if (query.resourceVersionMatch !== "Exact" || !(from > 0) || from + 1 >= compactedBelow) {
      return;
    }
    throw new HttpError(410, "Expired", `The resourceVersion for the provided list is too old.`);
  }

  private broadcast(event: StoredEvent): void {
    for (const w of this.watchers) {
      if (w.token !== undefined && this.partitioned.has(w.token)) continue;
      if (w.resource === event.resource && inNamespace(event.object, w.namespace)) {
        w.res.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
      }
    }
  }

  private watch(
    pathname: string,
    query: Record<string, string>,
    res: ServerResponse,
    token: string | undefined,
  ): void {
    const { resource, namespace, name } = parsePath(pathname);
    if (name !== undefined) throw new HttpError(405, "MethodNotAllowed", "watch a collection");
    res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
    res.flushHeaders();
    const from = query.resourceVersion ? Number(query.resourceVersion) : undefined;
    const { compactedBelow } = this.store;
    if (from !== undefined && from !== 0 && from + 1 < compactedBelow) {
      const gone = {
        kind: "Status",
        apiVersion: "v1",
        status: "Failure",
        reason: "Expired",
        code: 410,
        message: `too old resource version: ${from} (${compactedBelow - 1})`,
      };
      res.end(`${JSON.stringify({ type: "ERROR", object: gone })}\n`);
      return;
    }
    if (from === undefined || from === 0) {
      // No resourceVersion: the current state as synthetic ADDED events, then changes.
      for (const o of this.store.list(resource, namespace).items) {
        res.write(`${JSON.stringify({ type: "ADDED", object: o })}\n`);
      }
    } else {
      for (const e of this.store.history) {
        if (e.rv > from && e.resource === resource && inNamespace(e.object, namespace)) {
          res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`);
        }
      }
    }
    const bookmarks = query.allowWatchBookmarks === "true";
    const watcher: Watcher = { resource, namespace, res, token, bookmarks };
    this.watchers.add(watcher);
    // timeoutSeconds: the server ends the watch itself (a real one adds jitter), with a last
    // BOOKMARK so the client resumes from the newest resourceVersion rather than re-listing.
    const seconds = Number(query.timeoutSeconds);
    const timer =
      seconds > 0
        ? setTimeout(() => {
            // Across a partition not even the end of the stream gets through.
            if (token !== undefined && this.partitioned.has(token)) return;
            this.sendBookmark(watcher);
            this.watchers.delete(watcher);
            res.end();
          }, seconds * 1000)
        : undefined;
    res.on("close", () => {
      clearTimeout(timer);
      this.watchers.delete(watcher);
    });
  }
}

function parsePath(pathname: string) {
  const m = PATH.exec(pathname);
  const resource = m ? `${m[1]}|${m[3]}` : "";
  if (!m || !RESOURCES[resource]) throw new HttpError(404, "NotFound", `no route ${pathname}`);
  return { resource, namespace: m[2], name: m[4], status: m[5] === "status" };
}

function resourceOf(plural: string): string {
  const key = Object.keys(RESOURCES).find((k) => k.endsWith(`|${plural}`));
  if (!key) throw new Error(`the fake API server has no resource ${plural}`);
  return key;
}

function asObject(body: unknown): KubeObject {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw badRequest("the request body must be a JSON object");
  }
  return body as KubeObject;
}

function badRequest(message: string): HttpError {
  return new HttpError(400, "BadRequest", message);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
