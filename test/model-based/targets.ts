import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { HttpBackend } from "../../controller/adapters/backends/http/backend.js";
import { openSqlite, openStandaloneState } from "../../controller/adapters/backends/sqlite/open.js";
import { PortalStore } from "../../controller/adapters/backends/sqlite/store.js";
import type { ControllerState, IdentityBackend } from "../../controller/model/index.js";
import { createPortalServer } from "../../controller/server/portal-api/server.js";
import { FaultProxy } from "../fakes/fault-proxy.js";
import type { PortalWriter } from "./portal-writers.js";
import { apiWriter, storeWriter } from "./portal-writers.js";

/** One process's view of the backend for one pass: opened fresh, closed (or abandoned) after. */
export interface Connection {
  backend: IdentityBackend;
  state: ControllerState;
  close(): Promise<void>;
}

const WRITE_METHODS = ["POST", "PATCH", "DELETE"] as const;

/** Where the sequence runs: the store itself is the Portal's side (out-of-band edits, checks). */
export interface Target {
  readonly name: "sqlite" | "http";
  readonly dir: string;
  /** The Portal's own handle on the store (another process, as far as Roster can tell). */
  readonly store: PortalStore;
  /** Every pass appends to one journal (the store file's); over HTTP each checkout has its own. */
  readonly sharedJournal: boolean;
  /** How people edit the team behind Roster's back on this target. */
  readonly writer: PortalWriter;
  /** A fresh connection, as a new `roster apply` process (and, over HTTP, a fresh checkout). */
  connect(): Promise<Connection>;
  /** HTTP only: a connection through a proxy that drops the answer of the nth write of each method. */
  connectLossy?(nth: number): Promise<Connection & { proxy: FaultProxy }>;
  close(): Promise<void>;
}

/**
 * Temp folders on tmpfs when the machine has one: a real SQLite file all the same, without the
 * fsyncs that make creating a database cost ~60 ms on a disk (measured here: 4 ms on /dev/shm).
 */
export function scratchRoot(): string {
  return existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
}

/** The embedded store: a real SQLite file; every pass opens its own connection to it. */
export async function sqliteTarget(): Promise<Target> {
  const dir = await mkdtemp(path.join(scratchRoot(), "roster-mbt-"));
  const file = path.join(dir, "portal.db");
  const store = PortalStore.open(file);
  return {
    name: "sqlite",
    dir,
    store,
    writer: storeWriter(store),
    sharedJournal: true,
    connect: () => {
      const opened = openSqlite(file, { onWarning: () => undefined });
      return Promise.resolve({
        backend: opened.backend,
        state: opened.state,
        close: () => opened.close(),
      });
    },
    async close() {
      store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const BOOTSTRAP = "mbt-bootstrap-token-0123456789abcdef";

/** Read retries of the HTTP client: no sleeping in a test (writes are never retried there). */
const NO_WAIT = { sleep: () => Promise.resolve(), random: () => 0 };

/**
 * `roster serve`'s API in-process on 127.0.0.1 port 0 over a real SQLite file. Roster's
 * credential is the operator's bootstrap token (system authority, like a Portal service account);
 * the controller state of every pass is a new file: each pass is a fresh checkout, so what Roster
 * manages must come from the backend's marks.
 */
export async function httpTarget(): Promise<Target> {
  const dir = await mkdtemp(path.join(scratchRoot(), "roster-mbt-http-"));
  const file = path.join(dir, "portal.db");
  const store = PortalStore.open(file);
  const server = createPortalServer({
    store,
    bootstrapToken: BOOTSTRAP,
    rateLimit: { ratePerSecond: 1_000_000, burst: 1_000_000 },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = urlOf(server);
  let checkouts = 0;
  let proxy: FaultProxy | undefined;

  const connectTo = (baseUrl: string): Connection => {
    const backend = new HttpBackend({ baseUrl, token: BOOTSTRAP, retry: NO_WAIT });
    const state = openStandaloneState(path.join(dir, `checkout-${++checkouts}`, "state.db"));
    return {
      backend,
      state,
      close: async () => {
        await backend.close();
        await state.close();
      },
    };
  };

  return {
    name: "http",
    dir,
    store,
    writer: apiWriter(url, store),
    sharedJournal: false,
    connect: () => Promise.resolve(connectTo(url)),
    async connectLossy(nth) {
      proxy ??= await FaultProxy.start(url);
      proxy.clearRules();
      proxy.clearLog();
      for (const method of WRITE_METHODS) {
        proxy.add({ method, nth, action: { kind: "reset-after-commit" } });
      }
      return { ...connectTo(proxy.url), proxy };
    },
    async close() {
      await proxy?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function urlOf(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
