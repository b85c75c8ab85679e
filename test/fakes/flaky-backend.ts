import type {
  ActualOrganization,
  Capabilities,
  IdentityBackend,
  InvitableRole,
  OrgSettings,
  Role,
  WriteContext,
  WriteOutcome,
} from "../../controller/model/index.js";
import { BackendError } from "../../controller/model/index.js";

export type BackendMethod = Exclude<keyof IdentityBackend, "describe" | "close" | "managedMarks">;

/**
 * - `transient`: throw a transient error before reaching the backend (a 503, a timeout on connect);
 * - `commitThenThrow`: let the write land, then throw a transient error — the answer was lost,
 *   the dangerous case: a retry without an idempotency key would invite twice;
 * - `permanent`: throw a non-transient error every time (forbidden, invalid).
 */
export type Fault =
  | { kind: "transient"; times: number; retryAfterSeconds?: number }
  | { kind: "commitThenThrow"; times: number }
  | { kind: "permanent"; code?: string };

interface Rule {
  method: BackendMethod;
  org?: string;
  /** The member the call is about (for transferOwnership: the new owner). */
  email?: string;
  fault: Fault;
  fired: number;
}

export interface Call {
  method: BackendMethod;
  org?: string;
  email?: string;
  idempotencyKey?: string;
  outcome: "ok" | "threw" | "committedThenThrew";
}

/** Wraps any IdentityBackend and makes chosen calls fail, recording every call made. */
export class FlakyBackend implements IdentityBackend {
  readonly describe: string;
  readonly managedMarks: boolean;
  readonly calls: Call[] = [];
  private readonly rules: Rule[] = [];

  constructor(private readonly inner: IdentityBackend) {
    this.describe = `flaky(${inner.describe})`;
    this.managedMarks = inner.managedMarks;
  }

  fail(method: BackendMethod, fault: Fault, match: { org?: string; email?: string } = {}): this {
    this.rules.push({ method, fault, fired: 0, ...match });
    return this;
  }

  callsTo(method: BackendMethod, email?: string): Call[] {
    return this.calls.filter(
      (c) => c.method === method && (email === undefined || c.email === email),
    );
  }

  private async run<T>(
    method: BackendMethod,
    org: string | undefined,
    email: string | undefined,
    ctx: WriteContext | undefined,
    call: () => Promise<T>,
  ): Promise<T> {
    const record = (outcome: Call["outcome"]) =>
      this.calls.push({ method, org, email, idempotencyKey: ctx?.idempotencyKey, outcome });
    const rule = this.rules.find(
      (r) =>
        r.method === method &&
        (r.org === undefined || r.org === org) &&
        (r.email === undefined || r.email === email) &&
        (r.fault.kind === "permanent" || r.fired < r.fault.times),
    );
    if (!rule) {
      const value = await call();
      record("ok");
      return value;
    }
    rule.fired++;
    const fault = rule.fault;
    if (fault.kind === "permanent") {
      record("threw");
      throw new BackendError(fault.code ?? "forbidden", `injected permanent failure of ${method}`);
    }
    if (fault.kind === "commitThenThrow") {
      await call();
      record("committedThenThrew");
      throw new BackendError("timeout", `injected: ${method} committed, then the answer was lost`, {
        transient: true,
      });
    }
    record("threw");
    throw new BackendError("unavailable", `injected transient failure of ${method}`, {
      transient: true,
      retryAfterSeconds: fault.retryAfterSeconds,
    });
  }

  listOrganizations(): Promise<string[]> {
    return this.run("listOrganizations", undefined, undefined, undefined, () =>
      this.inner.listOrganizations(),
    );
  }
  snapshot(org: string): Promise<ActualOrganization | null> {
    return this.run("snapshot", org, undefined, undefined, () => this.inner.snapshot(org));
  }
  capabilities(org: string): Promise<Capabilities> {
    return this.run("capabilities", org, undefined, undefined, () => this.inner.capabilities(org));
  }
  createOrganization(
    org: string,
    settings: OrgSettings,
    ownerEmail: string,
    ctx: WriteContext,
  ): Promise<WriteOutcome> {
    return this.run("createOrganization", org, ownerEmail, ctx, () =>
      this.inner.createOrganization(org, settings, ownerEmail, ctx),
    );
  }
  updateOrganization(org: string, settings: OrgSettings, ctx: WriteContext): Promise<WriteOutcome> {
    return this.run("updateOrganization", org, undefined, ctx, () =>
      this.inner.updateOrganization(org, settings, ctx),
    );
  }
  invite(
    org: string,
    email: string,
    role: InvitableRole,
    ctx: WriteContext,
  ): Promise<WriteOutcome> {
    return this.run("invite", org, email, ctx, () => this.inner.invite(org, email, role, ctx));
  }
  resendInvite(org: string, email: string, ctx: WriteContext): Promise<WriteOutcome> {
    return this.run("resendInvite", org, email, ctx, () =>
      this.inner.resendInvite(org, email, ctx),
    );
  }
  cancelInvite(org: string, email: string, ctx: WriteContext): Promise<WriteOutcome> {
    return this.run("cancelInvite", org, email, ctx, () =>
      this.inner.cancelInvite(org, email, ctx),
    );
  }
  changeRole(
    org: string,
    email: string,
    from: Role,
    to: Role,
    ctx: WriteContext,
  ): Promise<WriteOutcome> {
    return this.run("changeRole", org, email, ctx, () =>
      this.inner.changeRole(org, email, from, to, ctx),
    );
  }
  transferOwnership(
    org: string,
    from: string,
    to: string,
    ctx: WriteContext,
  ): Promise<WriteOutcome> {
    return this.run("transferOwnership", org, to, ctx, () =>
      this.inner.transferOwnership(org, from, to, ctx),
    );
  }
  remove(org: string, email: string, ctx: WriteContext): Promise<WriteOutcome> {
    return this.run("remove", org, email, ctx, () => this.inner.remove(org, email, ctx));
  }
  markManaged(org: string, emails: readonly string[], ctx: WriteContext): Promise<void> {
    return this.run("markManaged", org, undefined, ctx, () =>
      this.inner.markManaged(org, emails, ctx),
    );
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
