import Database from "better-sqlite3";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Role } from "../../controller/model/index.js";

/**
 * Each test runs the CLI many times; a busy CI box (or a laptop building at the same time) can
 * make one run take seconds. Generous, because a timeout here measures the machine, not Roster.
 */
export const E2E_TIMEOUT_MS = 300_000;

/** The built CLI, run as a user types it: `npm test` builds first. */
export const CLI = path.resolve("dist/controller/cli/main.js");

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `roster ARGS` in `cwd` with stdin a pipe (not a terminal), fed `input` if given. */
export function roster(args: string[], cwd: string, input = ""): Promise<Run> {
  return runProcess(process.execPath, [CLI, ...args], cwd, input);
}

export function runProcess(command: string, args: string[], cwd: string, input = ""): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: cleanEnv(), stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(input);
  });
}

export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  delete env.ROSTER_GIT_TOKEN;
  delete env.ROSTER_DEBUG;
  return env;
}

export interface OrgSpec {
  displayName?: string;
  domains?: string[];
  unmanaged?: "remove" | "report";
  maxRemovals?: number | string;
  expireAfter?: string;
  autoProvisioning?: { enabled: boolean; role: "admin" | "member" };
}

/** A temp folder holding a source folder (`src/`) and a Portal store file (`portal.db`). */
export class Workspace {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), "roster-e2e-"));
  readonly src = path.join(this.dir, "src");
  readonly db = path.join(this.dir, "portal.db");
  readonly backend = `sqlite:${this.db}`;

  constructor() {
    mkdirSync(this.src);
  }

  /** Writes `src/<org>.yaml`: the Organization and one Member per email, as a person would. */
  declareOrg(org: string, members: Record<string, Role>, spec: OrgSpec = {}): void {
    const lines = [
      "apiVersion: roster.workjet.io/v1alpha1",
      "kind: Organization",
      "metadata:",
      `  name: ${org}`,
      "spec:",
      `  displayName: ${spec.displayName ?? org}`,
      `  domains: [${(spec.domains ?? []).join(", ")}]`,
      `  unmanaged: ${spec.unmanaged ?? "remove"}`,
      `  safety: { maxRemovals: ${JSON.stringify(spec.maxRemovals ?? 10)} }`,
      `  invitations: { expireAfter: ${spec.expireAfter ?? "7d"} }`,
    ];
    if (spec.autoProvisioning) {
      lines.push(
        `  autoProvisioning: { enabled: ${spec.autoProvisioning.enabled}, role: ${spec.autoProvisioning.role} }`,
      );
    }
    for (const [email, role] of Object.entries(members)) {
      const name = `${org}-${email.replace(/@.*/, "").replace(/[^a-z0-9]+/g, "-")}`;
      lines.push(
        "---",
        "apiVersion: roster.workjet.io/v1alpha1",
        "kind: Member",
        "metadata:",
        `  name: ${name}`,
        "spec:",
        `  organization: ${org}`,
        `  email: ${email}`,
        `  role: ${role}`,
      );
    }
    writeFileSync(path.join(this.src, `${org}.yaml`), `${lines.join("\n")}\n`);
  }

  write(file: string, text: string): void {
    writeFileSync(path.join(this.src, file), text);
  }

  roster(args: string[], input = ""): Promise<Run> {
    return roster(args, this.dir, input);
  }

  plan(...extra: string[]): Promise<Run> {
    return this.roster(["plan", "--source", this.src, "--backend", this.backend, ...extra]);
  }

  /** An empty store, as `roster portal init` makes it: plan never creates one. */
  async initStore(): Promise<void> {
    const run = await this.roster(["portal", "init", "--backend", this.backend]);
    if (run.code !== 0) throw new Error(`portal init failed: ${run.stderr}`);
  }

  apply(...extra: string[]): Promise<Run> {
    return this.roster([
      "apply",
      "--source",
      this.src,
      "--backend",
      this.backend,
      "--yes",
      ...extra,
    ]);
  }

  /** Reads the store with a separate connection, as an auditor would. */
  query<T>(sql: string, ...params: unknown[]): T[] {
    const db = new Database(this.db, { readonly: true, fileMustExist: true });
    try {
      return db.prepare(sql).all(...params) as T[];
    } finally {
      db.close();
    }
  }

  /** Writes behind the CLI's back (time travel for expiry, hand-made Portal changes). */
  exec(sql: string, ...params: unknown[]): void {
    const db = new Database(this.db, { fileMustExist: true });
    try {
      db.prepare(sql).run(...params);
    } finally {
      db.close();
    }
  }

  members(org: string): Record<string, string> {
    return Object.fromEntries(
      this.query<{ email: string; role: string }>(
        `SELECT m.email, m.role FROM memberships m JOIN organizations o ON o.id = m.org_id
         WHERE o.slug = ? ORDER BY m.email`,
        org,
      ).map((r) => [r.email, r.role]),
    );
  }

  invitations(org: string, status = "pending"): Record<string, string> {
    return Object.fromEntries(
      this.query<{ email: string; role: string }>(
        `SELECT i.email, i.role FROM invitations i JOIN organizations o ON o.id = i.org_id
         WHERE o.slug = ? AND i.status = ? ORDER BY i.email`,
        org,
        status,
      ).map((r) => [r.email, r.role]),
    );
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface PlanJson {
  revision: string;
  steps: {
    action: string;
    org: string;
    email?: string;
    role?: string;
    from?: string;
    to?: string;
    reason: string;
  }[];
  blocked: { action: string; org: string; email?: string; blockedBy: string }[];
  /** The steps revoking a declared expiry, listed apart (issue 15). */
  expirations: { action: string; org: string; email: string; expiresAt: string }[];
  warnings: { org?: string; email?: string; code: string; message: string }[];
  safety: { safe: boolean; refusals: { org: string; rule: string; message: string }[] };
}

export async function planJson(ws: Workspace): Promise<{ run: Run; plan: PlanJson }> {
  const run = await ws.plan("-o", "json");
  return { run, plan: JSON.parse(run.stdout) as PlanJson };
}

/** `action email` per step, the way assertions read best. */
export const stepsOf = (plan: PlanJson) =>
  plan.steps.map((s) => `${s.action} ${s.email ?? s.org}${s.role ? ` ${s.role}` : ""}`);
