import type {
  ActualOrganization,
  Capabilities,
  IdentityBackend,
  InvitableRole,
  OrgSettings,
  Role,
  WriteContext,
  WriteOutcome,
} from "../../../model/index.js";
import {
  BackendError,
  FULL_CAPABILITIES,
  defaultOrgSettings,
  normalizeEmail,
} from "../../../model/index.js";
import { describeCredentials, type GoogleCredentials } from "./auth.js";
import type { BackoffOptions } from "./backoff.js";
import { listGroupEntries, openDirectory, type Directory } from "./directory.js";
import { toBackendError } from "./errors.js";
import { deleteMember, insertMember, patchMemberRole } from "./member-calls.js";
import { GroupRecord } from "./record.js";
import { activeDomainUsers, groupMembers } from "./snapshot.js";

export interface GoogleGroupsBackendOptions {
  /** The group's email address: the group key of every Directory API call. */
  group: string;
  /** The organization this group holds (default: the group address's local part). */
  org?: string;
  credentials: GoogleCredentials;
  /** Another API endpoint (a private endpoint, or a local fake in tests). */
  rootUrl?: string;
  /** The JSON record of what Google cannot hold (see record.ts); memory only when absent. */
  recordFile?: string;
  backoff?: BackoffOptions;
  /** Per HTTP request (default 30 s). */
  timeoutMs?: number;
  /** Told about group entries Roster leaves alone (nested groups, the whole customer). */
  warn?: (message: string) => void;
  now?: () => Date;
}

/**
 * `google:GROUP_EMAIL`: one Roster organization is one Google Group (docs/google.md).
 * Google has no invitations: an invite adds the member at once. Settings are Roster's own
 * (Google stores none of them) and live in the local record, with the R8 marks.
 * Conditional writes: a member's ETag is its `version`; the Directory API documents no
 * conditional `members.patch` / `members.delete`, so writes rely on natural idempotency (409 on
 * insert = already there, 404 on delete = already gone) and are not refused on a stale version.
 */
export class GoogleGroupsBackend implements IdentityBackend {
  readonly describe: string;
  /**
   * A Google group holds no per-member mark of ours: the managed set lives in an explicit
   * state location (`--state sqlite:PATH`), or is unknown.
   */
  readonly managedMarks = false;
  private readonly group: string;
  private readonly org: string;
  private readonly record: GroupRecord;
  private readonly backoff: BackoffOptions;
  private readonly now: () => Date;
  private client: Promise<Directory> | undefined;
  private lastIgnored = "";

  constructor(private readonly options: GoogleGroupsBackendOptions) {
    this.group = normalizeEmail(options.group);
    this.org = options.org ?? this.group.slice(0, this.group.indexOf("@"));
    this.record = new GroupRecord(options.recordFile, this.group, this.org);
    this.backoff = options.backoff ?? {};
    this.now = options.now ?? (() => new Date());
    this.describe = `google:${this.group} (organization ${this.org}, ${describeCredentials(options.credentials)})`;
  }

  /** The group holds exactly one organization; no call is made (snapshot says whether the group exists). */
  listOrganizations(): Promise<string[]> {
    return Promise.resolve([this.org]);
  }

  /**
   * null when the group does not exist. Another organization name is an error, not null: null
   * would plan creating it, while the fix is to name the org in the URI (`?org=`).
   */
  async snapshot(org: string): Promise<ActualOrganization | null> {
    this.requireOrg(org);
    const directory = await this.directory();
    const entries = await listGroupEntries(directory, this.group, this.backoff);
    if (entries === null) return null;
    const record = await this.record.read();
    const { members, ignored } = groupMembers(entries, record);
    // Said once, and again only when it changes: a controller snapshots every few minutes.
    const left = ignored.join(", ");
    if (left !== "" && left !== this.lastIgnored) {
      this.options.warn?.(
        `${this.group}: ${ignored.length} entries are not users and are left alone: ${left}`,
      );
    }
    this.lastIgnored = left;
    const settings = structuredClone(record.settings ?? defaultOrgSettings(org));
    const actual: ActualOrganization = {
      name: org,
      settings,
      members,
      invitations: [],
    };
    if (settings.autoProvisioning.enabled)
      actual.domainUsers = await activeDomainUsers(
        await this.directory(),
        settings.domains,
        this.backoff,
      );
    return actual;
  }

  /**
   * A domain-wide-delegated admin may do everything. `createOrganization` included: creating
   * is not supported (below), but a plan that shows it, and an apply that says how to create
   * the group, beat a step blocked with no explanation.
   */
  capabilities(org: string): Promise<Capabilities> {
    if (org !== this.org) return Promise.reject(this.otherOrg(org));
    return Promise.resolve({ ...FULL_CAPABILITIES });
  }

  /**
   * Not supported: creating groups needs the broader `admin.directory.group` scope and a
   * decision about the group's settings (who may join, post, see members) that belongs to the
   * Workspace admin. The group must exist first.
   */
  createOrganization(
    org: string,
    _settings: OrgSettings,
    _ownerEmail: string,
    _ctx: WriteContext,
  ): Promise<WriteOutcome> {
    if (org !== this.org) return Promise.reject(this.otherOrg(org));
    return Promise.reject(
      new BackendError(
        "unsupported",
        `the Google group ${this.group} does not exist, and Roster does not create groups: create ` +
          `it in the Google Admin console (Directory → Groups → Create group), then run again`,
      ),
    );
  }

  /** Google stores none of the settings: only Roster's record changes (docs/google.md). */
  async updateOrganization(
    org: string,
    settings: OrgSettings,
    _ctx: WriteContext,
  ): Promise<WriteOutcome> {
    this.requireOrg(org);
    const changed = await this.record.update((data) => {
      if (JSON.stringify(data.settings) === JSON.stringify(settings)) return false;
      data.settings = structuredClone(settings);
      return true;
    });
    return changed ? "applied" : "noop";
  }

  async invite(
    org: string,
    email: string,
    role: InvitableRole,
    ctx: WriteContext,
  ): Promise<WriteOutcome> {
    this.requireOrg(org);
    const key = normalizeEmail(email);
    // Marked before the insert: a crash right after it must not lose the R8 mark.
    await this.markAutoProvisioned(key, ctx.autoProvisioned === true);
    const directory = await this.directory();
    const added = await insertMember(directory, this.group, key, role, ctx, this.backoff);
    if (added !== "inserted") return added;
    const since = this.now().toISOString();
    await this.record.update((data) => {
      data.members[key] = { ...data.members[key], since };
      return true;
    });
    return "applied";
  }

  /** Google sends no invitations: there is nothing to resend or cancel. */
  resendInvite(org: string, _email: string, _ctx: WriteContext): Promise<WriteOutcome> {
    return org === this.org ? Promise.resolve("noop") : Promise.reject(this.otherOrg(org));
  }

  cancelInvite(org: string, _email: string, _ctx: WriteContext): Promise<WriteOutcome> {
    return org === this.org ? Promise.resolve("noop") : Promise.reject(this.otherOrg(org));
  }

  /**
   * One `members.patch`: the membership (and with it the user's access) is never dropped (R6).
   * `to: owner` is allowed: the planner asks for it only when the group has no OWNER at all
   * (groups created in the Admin console often have none); otherwise it transfers.
   */
  async changeRole(
    org: string,
    email: string,
    from: Role,
    to: Role,
    _ctx: WriteContext,
  ): Promise<WriteOutcome> {
    this.requireOrg(org);
    if (from === to) return "noop";
    await patchMemberRole(await this.directory(), this.group, normalizeEmail(email), to);
    return "applied";
  }

  /**
   * Promote first, then demote: the group is never without an OWNER, even if the second call
   * fails (the next sync sees two owners and finishes the transfer).
   */
  async transferOwnership(
    org: string,
    from: string,
    to: string,
    _ctx: WriteContext,
  ): Promise<WriteOutcome> {
    this.requireOrg(org);
    const [oldOwner, newOwner] = [normalizeEmail(from), normalizeEmail(to)];
    if (oldOwner === newOwner) return "noop";
    const directory = await this.directory();
    await patchMemberRole(directory, this.group, newOwner, "owner");
    await patchMemberRole(directory, this.group, oldOwner, "admin");
    return "applied";
  }

  /** `members.delete`; a member already gone is a noop. Google ends the user's group access at once. */
  async remove(org: string, email: string, _ctx: WriteContext): Promise<WriteOutcome> {
    this.requireOrg(org);
    const key = normalizeEmail(email);
    const outcome = await deleteMember(await this.directory(), this.group, key);
    await this.record.update((data) => {
      if (!(key in data.members)) return false;
      delete data.members[key];
      return true;
    });
    return outcome;
  }

  /** Nothing to mark in a group (`managedMarks` is false): the controller state keeps the set. */
  markManaged(org: string, _emails: readonly string[], _ctx: WriteContext): Promise<void> {
    return org === this.org ? Promise.resolve() : Promise.reject(this.otherOrg(org));
  }

  async close(): Promise<void> {
    await this.record.flush();
  }

  private directory(): Promise<Directory> {
    this.client ??= openDirectory(this.options).catch((error: unknown) => {
      this.client = undefined;
      throw toBackendError(error, "set up Google credentials");
    });
    return this.client;
  }

  private async markAutoProvisioned(key: string, auto: boolean): Promise<void> {
    await this.record.update((data) => {
      const entry = data.members[key];
      if ((entry?.autoProvisioned === true) === auto) return false;
      const { autoProvisioned: _drop, ...rest } = entry ?? {};
      data.members[key] = auto ? { ...rest, autoProvisioned: true } : rest;
      return true;
    });
  }

  private requireOrg(org: string): void {
    if (org !== this.org) throw this.otherOrg(org);
  }

  private otherOrg(org: string): BackendError {
    return new BackendError(
      "invalid",
      `google:${this.group} holds the organization "${this.org}", not "${org}": to keep "${org}" ` +
        `in this group use --backend 'google:${this.group}?org=${org}' (one backend per group)`,
    );
  }
}
