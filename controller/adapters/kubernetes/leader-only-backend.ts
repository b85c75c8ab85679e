import type {
  ActualOrganization,
  Capabilities,
  IdentityBackend,
  InvitableRole,
  OrgSettings,
  Role,
  WriteContext,
  WriteOutcome,
} from "../../model/index.js";
import { BackendError } from "../../model/index.js";

/**
 * Only the leader writes. A reconcile that began while this instance led may still be running
 * when the Lease is lost; every write checks leadership at the moment it is made, so a deposed
 * leader stops at its next write instead of racing the new one.
 */
export class LeaderOnlyBackend implements IdentityBackend {
  readonly describe: string;
  readonly managedMarks: boolean;

  constructor(
    private readonly inner: IdentityBackend,
    private readonly isLeader: () => boolean,
  ) {
    this.describe = inner.describe;
    this.managedMarks = inner.managedMarks;
  }

  listOrganizations(): Promise<string[]> {
    return this.inner.listOrganizations();
  }
  snapshot(org: string): Promise<ActualOrganization | null> {
    return this.inner.snapshot(org);
  }
  capabilities(org: string): Promise<Capabilities> {
    return this.inner.capabilities(org);
  }
  createOrganization(org: string, settings: OrgSettings, owner: string, ctx: WriteContext) {
    return this.write(() => this.inner.createOrganization(org, settings, owner, ctx));
  }
  updateOrganization(org: string, settings: OrgSettings, ctx: WriteContext) {
    return this.write(() => this.inner.updateOrganization(org, settings, ctx));
  }
  invite(org: string, email: string, role: InvitableRole, ctx: WriteContext) {
    return this.write(() => this.inner.invite(org, email, role, ctx));
  }
  resendInvite(org: string, email: string, ctx: WriteContext) {
    return this.write(() => this.inner.resendInvite(org, email, ctx));
  }
  cancelInvite(org: string, email: string, ctx: WriteContext) {
    return this.write(() => this.inner.cancelInvite(org, email, ctx));
  }
  changeRole(org: string, email: string, from: Role, to: Role, ctx: WriteContext) {
    return this.write(() => this.inner.changeRole(org, email, from, to, ctx));
  }
  transferOwnership(org: string, from: string, to: string, ctx: WriteContext) {
    return this.write(() => this.inner.transferOwnership(org, from, to, ctx));
  }
  remove(org: string, email: string, ctx: WriteContext) {
    return this.write(() => this.inner.remove(org, email, ctx));
  }
  /** A write like any other: a deposed leader marks nothing. */
  async markManaged(org: string, emails: readonly string[], ctx: WriteContext): Promise<void> {
    this.requireLeader();
    return this.inner.markManaged(org, emails, ctx);
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  // Not transient: the executor must not retry it; the new leader redoes the step if needed.
  private async write(call: () => Promise<WriteOutcome>): Promise<WriteOutcome> {
    this.requireLeader();
    return call();
  }

  private requireLeader(): void {
    if (!this.isLeader()) {
      throw new BackendError(
        "not-leader",
        "this instance lost leadership: the write is left to the new leader",
        {
          transient: false,
        },
      );
    }
  }
}
