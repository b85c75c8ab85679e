import type {
  IdentityBackend,
  InvitableRole,
  OrgSettings,
  Role,
  WriteContext,
  WriteOutcome,
} from "../../controller/model/index.js";

export interface ArrivedWrite {
  /** performance.now() when the write reached this door. */
  at: number;
  what: string;
}

/**
 * One controller instance's door to a shared backend: records when each write arrives (after the
 * instance's own leadership gate) and answers after `latencyMs`, as a remote backend would, so a
 * reconcile is still writing when its instance loses the Lease.
 */
export class TimedDoor implements IdentityBackend {
  readonly describe = "timed door";
  readonly arrived: ArrivedWrite[] = [];

  constructor(
    private readonly inner: IdentityBackend,
    private readonly latencyMs = 0,
  ) {}

  get managedMarks() {
    return this.inner.managedMarks;
  }

  listOrganizations() {
    return this.inner.listOrganizations();
  }
  snapshot(org: string) {
    return this.inner.snapshot(org);
  }
  capabilities(org: string) {
    return this.inner.capabilities(org);
  }
  createOrganization(org: string, s: OrgSettings, owner: string, ctx: WriteContext) {
    return this.pass(`create:${owner}`, () => this.inner.createOrganization(org, s, owner, ctx));
  }
  updateOrganization(org: string, s: OrgSettings, ctx: WriteContext) {
    return this.pass("update", () => this.inner.updateOrganization(org, s, ctx));
  }
  invite(org: string, email: string, role: InvitableRole, ctx: WriteContext) {
    return this.pass(`invite:${email}`, () => this.inner.invite(org, email, role, ctx));
  }
  resendInvite(org: string, email: string, ctx: WriteContext) {
    return this.pass(`resend:${email}`, () => this.inner.resendInvite(org, email, ctx));
  }
  cancelInvite(org: string, email: string, ctx: WriteContext) {
    return this.pass(`cancel:${email}`, () => this.inner.cancelInvite(org, email, ctx));
  }
  changeRole(org: string, email: string, from: Role, to: Role, ctx: WriteContext) {
    return this.pass(`role:${email}`, () => this.inner.changeRole(org, email, from, to, ctx));
  }
  transferOwnership(org: string, from: string, to: string, ctx: WriteContext) {
    return this.pass(`transfer:${to}`, () => this.inner.transferOwnership(org, from, to, ctx));
  }
  remove(org: string, email: string, ctx: WriteContext) {
    return this.pass(`remove:${email}`, () => this.inner.remove(org, email, ctx));
  }
  async markManaged(org: string, emails: readonly string[], ctx: WriteContext): Promise<void> {
    this.arrived.push({ at: performance.now(), what: `mark:${emails.join(",")}` });
    await this.delay();
    return this.inner.markManaged(org, emails, ctx);
  }
  close() {
    return Promise.resolve();
  }

  private async delay(): Promise<void> {
    // Simulated network latency of the backend, not a wait of the test.
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
  }

  private async pass(what: string, call: () => Promise<WriteOutcome>): Promise<WriteOutcome> {
    this.arrived.push({ at: performance.now(), what });
    await this.delay();
    return call();
  }
}
