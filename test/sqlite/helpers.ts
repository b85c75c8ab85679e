import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PortalStore } from "../../controller/adapters/backends/sqlite/store.js";
import type {
  Actor,
  PortalStoreOptions,
} from "../../controller/adapters/backends/sqlite/store-types.js";
import type { OrgSettings, Role, WriteContext } from "../../controller/model/index.js";
import { BackendError } from "../../controller/model/index.js";

export const SYSTEM: Actor = { kind: "system", name: "test" };

export function user(email: string, role: Role = "member", org?: string): Actor {
  return org === undefined ? { kind: "user", email, role } : { kind: "user", email, role, org };
}

export function settings(overrides: Partial<OrgSettings> = {}): OrgSettings {
  return {
    displayName: "Acme Inc.",
    domains: ["acme.com"],
    autoProvisioning: { enabled: false, role: "member" },
    inviteExpirySeconds: 7 * 86400,
    ...overrides,
  };
}

/** A clock tests move by hand. */
export class Clock {
  constructor(public time = Date.parse("2025-03-01T09:00:00.000Z")) {}
  now = (): Date => new Date(this.time);
  advance(seconds: number): void {
    this.time += seconds * 1000;
  }
}

export interface TempStore {
  dir: string;
  file: string;
  store: PortalStore;
  clock: Clock;
  /** Rows read through a separate read-only connection, as an auditor would. */
  rows<T>(sql: string, ...params: unknown[]): T[];
  cleanup(): void;
}

export function tempDir(prefix = "roster-sqlite-"): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function openTempStore(options: PortalStoreOptions = {}): TempStore {
  const dir = tempDir();
  const file = path.join(dir, "portal.db");
  const clock = new Clock();
  const store = PortalStore.open(file, { now: clock.now, ...options });
  return {
    dir,
    file,
    store,
    clock,
    rows<T>(sql: string, ...params: unknown[]): T[] {
      const db = new Database(file, { readonly: true });
      try {
        return db.prepare(sql).all(...params) as T[];
      } finally {
        db.close();
      }
    },
    cleanup() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * acme: alice owner, adam admin, mia member (all active), via the store's own operations.
 */
export async function seedAcme(store: PortalStore): Promise<void> {
  store.createOrganization(SYSTEM, "acme", settings(), "alice@acme.com");
  for (const [email, role] of [
    ["adam@acme.com", "admin"],
    ["mia@acme.com", "member"],
  ] as const) {
    await store.invite(SYSTEM, "acme", email, role);
    store.acceptInvitationByEmail(SYSTEM, "acme", email);
  }
}

export function ctx(idempotencyKey: string, revision = "rev-1"): WriteContext {
  return { revision, reason: "declared in members/acme.yaml", actor: "roster", idempotencyKey };
}

/** The BackendError code a call throws (fails the test if it does not throw one). */
export function codeOf(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    if (error instanceof BackendError) return error.code;
    throw error;
  }
  throw new Error("expected a BackendError, but the call succeeded");
}

export async function asyncCodeOf(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
  } catch (error) {
    if (error instanceof BackendError) return error.code;
    throw error;
  }
  throw new Error("expected a BackendError, but the call succeeded");
}
