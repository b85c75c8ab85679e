import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { HttpBackend } from "../../controller/adapters/backends/http/backend.js";
import { openSqlite, openStandaloneState } from "../../controller/adapters/backends/sqlite/open.js";
import { PortalStore } from "../../controller/adapters/backends/sqlite/store.js";
import type { Actor } from "../../controller/adapters/backends/sqlite/store-types.js";
import { FolderSource } from "../../controller/adapters/sources/folder.js";
import type { IdentityBackend, Role } from "../../controller/model/index.js";
import type { ReconcileResult } from "../../controller/reconcile/index.js";
import { reconcile } from "../../controller/reconcile/index.js";
import type { Decoration } from "../model-based/decorated-backend.js";
import { decorate } from "../model-based/decorated-backend.js";
import type { DeclaredOrg } from "../model-based/model.js";
import { renderOrg } from "../model-based/model.js";
import { scratchRoot } from "../model-based/targets.js";

export const NO_WAIT = { sleep: () => Promise.resolve(), random: () => 0 };
export const PORTAL: Actor = { kind: "system", name: "portal-user" };

export interface PassOptions {
  actor?: string;
  decoration?: Decoration;
  dryRun?: boolean;
}

/**
 * A source folder and a Portal store file in one temp dir, for the named regressions of issue 11.
 * `pass()` is one `roster apply` (a new connection each time); `store` is the Portal's own side.
 */
export class World {
  readonly store: PortalStore;
  readonly source: FolderSource;

  private constructor(
    readonly dir: string,
    readonly src: string,
    readonly file: string,
  ) {
    this.store = PortalStore.open(file);
    this.source = new FolderSource([src]);
  }

  static async create(): Promise<World> {
    const dir = await mkdtemp(path.join(scratchRoot(), "roster-regress-"));
    const src = path.join(dir, "src");
    await mkdir(src);
    return new World(dir, src, path.join(dir, "portal.db"));
  }

  /** Writes `src/<org>.yaml` (`unmanaged: report`: removals come from Roster's marks only). */
  async declare(org: string, members: Record<string, Role>, displayName = org): Promise<void> {
    const declared: DeclaredOrg = { name: org, displayName, members };
    await writeFile(path.join(this.src, `${org}.yaml`), renderOrg(declared));
  }

  /** One pass on the embedded store, through its own connection (a `roster apply` process). */
  async pass(options: PassOptions = {}): Promise<ReconcileResult> {
    const opened = openSqlite(this.file, { onWarning: () => undefined });
    try {
      return await this.passWith(opened.backend, opened.state, options);
    } finally {
      await opened.close();
    }
  }

  /** One pass over HTTP with `token`, its controller state in `checkout` (a working directory). */
  async passOverHttp(
    url: string,
    token: string,
    checkout: string,
    options: PassOptions = {},
  ): Promise<ReconcileResult> {
    const backend = new HttpBackend({ baseUrl: url, token, retry: NO_WAIT });
    const state = openStandaloneState(path.join(this.dir, checkout, "state.db"));
    try {
      return await this.passWith(backend, state, options);
    } finally {
      await backend.close();
      await state.close();
    }
  }

  members(org: string): Record<string, Role> {
    const snap = this.store.snapshot(org);
    return Object.fromEntries((snap?.members ?? []).map((m) => [m.email, m.role]));
  }

  invitations(org: string): Record<string, string> {
    const snap = this.store.snapshot(org);
    return Object.fromEntries(
      (snap?.invitations ?? []).filter((i) => i.status === "pending").map((i) => [i.email, i.role]),
    );
  }

  async close(): Promise<void> {
    this.store.close();
    await rm(this.dir, { recursive: true, force: true });
  }

  private passWith(
    backend: IdentityBackend,
    state: Parameters<typeof reconcile>[0]["state"],
    options: PassOptions,
  ): Promise<ReconcileResult> {
    return reconcile(
      {
        source: this.source,
        backend: options.decoration ? decorate(backend, options.decoration) : backend,
        state,
      },
      { dryRun: options.dryRun ?? false, actor: options.actor ?? "roster", retry: NO_WAIT },
    );
  }
}

/** `action email result` per step of a pass, in the order they completed. */
export function outcomes(result: ReconcileResult): string[] {
  return result.orgs.flatMap((o) =>
    o.results.map((r) => `${r.step.action} ${r.step.email ?? r.step.org} ${r.result}`),
  );
}

/** Every step's error message, for assertions that none is the unactionable key collision. */
export function errors(result: ReconcileResult): string[] {
  return result.orgs.flatMap((o) => o.results.flatMap((r) => (r.error ? [r.error.message] : [])));
}
