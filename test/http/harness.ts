import { mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { PortalStore } from "../../controller/adapters/backends/sqlite/store.js";
import type { Actor } from "../../controller/adapters/backends/sqlite/store-types.js";
import type { InviteMessage, Mailer, Role } from "../../controller/model/index.js";
import { defaultOrgSettings } from "../../controller/model/index.js";
import type { PortalApiOptions } from "../../controller/server/portal-api/server.js";
import { createPortalServer } from "../../controller/server/portal-api/server.js";

export const SYSTEM: Actor = { kind: "system", name: "test" };

/** Keeps every invitation mail, so a test can follow the accept link as the invitee would. */
export class CapturingMailer implements Mailer {
  readonly describe = "capture";
  readonly sent: InviteMessage[] = [];
  sendInvite(message: InviteMessage): Promise<void> {
    this.sent.push(message);
    return Promise.resolve();
  }
  to(email: string): InviteMessage[] {
    return this.sent.filter((m) => m.email === email);
  }
  tokenFor(email: string): string {
    const last = this.sent.filter((m) => m.email === email).at(-1);
    if (!last) throw new Error(`no mail to ${email}`);
    return new URL(last.acceptUrl).searchParams.get("token") as string;
  }
}

export interface ApiHarness {
  url: string;
  dir: string;
  file: string;
  store: PortalStore;
  mailer: CapturingMailer;
  /** Stops the server and closes the store, then opens the same file again (a restart). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

type ServerOptions = Omit<PortalApiOptions, "store">;

/** The real API on 127.0.0.1 port 0, over a real SQLite file in a temp dir. */
export async function startApi(options: ServerOptions = {}): Promise<ApiHarness> {
  const dir = await mkdtemp(path.join(tmpdir(), "roster-http-"));
  const file = path.join(dir, "portal.db");
  const mailer = new CapturingMailer();
  let store = PortalStore.open(file, { mailer });
  let server = await listen(createPortalServer({ store, ...options }));
  const harness: ApiHarness = {
    url: urlOf(server),
    dir,
    file,
    get store() {
      return store;
    },
    mailer,
    async restart() {
      await stop(server);
      store.close();
      store = PortalStore.open(file, { mailer });
      const port = (server.address() as AddressInfo | null)?.port ?? 0;
      server = await listen(createPortalServer({ store, ...options }), port);
      harness.url = urlOf(server);
    },
    async close() {
      await stop(server);
      store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

async function listen(server: Server, port = 0): Promise<Server> {
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return server;
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function urlOf(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An organization with its owner, and any other active members (invited, then accepted). */
export async function seedOrg(
  store: PortalStore,
  org: string,
  owner: string,
  members: { email: string; role: Exclude<Role, "owner"> }[] = [],
): Promise<void> {
  store.createOrganization(SYSTEM, org, { ...defaultOrgSettings(org), domains: [] }, owner);
  for (const m of members) {
    await store.invite(SYSTEM, org, m.email, m.role);
    store.acceptInvitationByEmail(SYSTEM, org, m.email);
  }
}

export function keyFor(store: PortalStore, org: string, email: string): string {
  return store.createApiKey(SYSTEM, org, email).key;
}

export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** One raw HTTP call (no retries): what the API answered, exactly. */
export async function call(
  url: string,
  method: string,
  route: string,
  options: { key?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
  let payload: string | undefined = options.raw;
  if (options.body !== undefined) payload = JSON.stringify(options.body);
  if (payload !== undefined) headers["content-type"] ??= "application/json";
  const response = await fetch(url + route, { method, headers, body: payload });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === "" ? undefined : (JSON.parse(text) as unknown),
  };
}

export function errorCode(answer: Answer): string | undefined {
  return (answer.body as { error?: { code?: string } } | undefined)?.error?.code;
}
