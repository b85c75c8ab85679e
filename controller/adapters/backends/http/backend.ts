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
import { BackendError } from "../../../model/index.js";
import type { PortalClientOptions } from "./client.js";
import { PortalClient } from "./client.js";
import type { Page } from "./wire.js";
import {
  readInvitation,
  readMe,
  readMember,
  readOrgName,
  readOutcome,
  readPage,
  readSettings,
  readSettingsVersion,
} from "./wire.js";

export interface HttpBackendOptions extends PortalClientOptions {
  /** Items per list page (the API's maximum, 200, by default). */
  pageSize?: number;
}

const MAX_PAGE_SIZE = 200;
/** Emails per `POST …/managed` (the API takes up to 1,000). */
export const MARK_BATCH = 500;
/**
 * Bytes of emails per `POST …/managed`: the server refuses bodies over 64 KiB, and addresses may
 * be 254 characters long, so MARK_BATCH of them does not always fit.
 */
const MARK_BATCH_BYTES = 48 * 1024;
const enc = encodeURIComponent;

/** `emails` in order, in batches of at most MARK_BATCH addresses and MARK_BATCH_BYTES. */
function markBatches(emails: readonly string[]): string[][] {
  const batches: string[][] = [];
  let batch: string[] = [];
  let bytes = 0;
  for (const email of emails) {
    const size = Buffer.byteLength(JSON.stringify(email)) + 1;
    if (batch.length === MARK_BATCH || (batch.length > 0 && bytes + size > MARK_BATCH_BYTES)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(email);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/**
 * The Portal team API over HTTP (`http(s)://HOST`), as served by `roster serve`. Every write
 * carries `Idempotency-Key: ctx.idempotencyKey`, so a write whose answer was lost (timeout,
 * reset) and that the executor retries is replayed by the server instead of acting twice; the
 * client itself sends each write once. `ctx.expect` travels as `If-Match: "<version>"` or
 * `If-None-Match: *` (412 → BackendError `precondition-failed`), `ctx.managed` as the body
 * field `managed: true`. The Portal keeps Roster's marks per record: `managedMarks`.
 */
export class HttpBackend implements IdentityBackend {
  readonly describe: string;
  readonly managedMarks = true;
  private readonly client: PortalClient;
  private readonly pageSize: number;

  constructor(options: HttpBackendOptions) {
    const url = checkedUrl(options.baseUrl);
    this.describe = `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
    this.client = new PortalClient({ ...options, baseUrl: this.describe });
    this.pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, options.pageSize ?? MAX_PAGE_SIZE));
  }

  async listOrganizations(): Promise<string[]> {
    const names = await this.collect("/v1/orgs", readOrgName, "organization");
    return names.sort();
  }

  async snapshot(org: string): Promise<ActualOrganization | null> {
    let settings: OrgSettings;
    let settingsVersion: string | undefined;
    try {
      const { body } = await this.client.request("GET", `/v1/orgs/${enc(org)}`);
      settings = readSettings(body);
      settingsVersion = readSettingsVersion(body);
    } catch (error) {
      if (error instanceof BackendError && error.code === "not-found") return null;
      throw error;
    }
    // Any failed page throws: a partial list must never be read as "these are all the members".
    const [members, invitations] = await Promise.all([
      this.collect(`/v1/orgs/${enc(org)}/members`, readMember, "member"),
      this.collect(`/v1/orgs/${enc(org)}/invitations`, readInvitation, "invitation"),
    ]);
    const byEmail = (a: { email: string }, b: { email: string }) =>
      a.email < b.email ? -1 : a.email > b.email ? 1 : 0;
    const actual: ActualOrganization = {
      name: org,
      settings,
      members: members.sort(byEmail),
      invitations: invitations.sort(byEmail),
    };
    if (settingsVersion !== undefined) actual.settingsVersion = settingsVersion;
    return actual;
  }

  async capabilities(org: string): Promise<Capabilities> {
    const { body } = await this.client.request("GET", "/v1/me");
    const me = readMe(body);
    if (me.kind === "system" || me.org === org) return me.capabilities;
    // A key of another organization holds no role here: the policy refuses it every step.
    return { ...me.capabilities, actorRole: "none" };
  }

  createOrganization(
    org: string,
    settings: OrgSettings,
    ownerEmail: string,
    ctx: WriteContext,
  ): Promise<WriteOutcome> {
    return this.write("POST", "/v1/orgs", ctx, {
      name: org,
      settings,
      owner: ownerEmail,
      ...managed(ctx),
    });
  }

  updateOrganization(org: string, settings: OrgSettings, ctx: WriteContext): Promise<WriteOutcome> {
    return this.write("PATCH", `/v1/orgs/${enc(org)}`, ctx, { settings });
  }

  invite(
    org: string,
    email: string,
    role: InvitableRole,
    ctx: WriteContext,
  ): Promise<WriteOutcome> {
    return this.write("POST", `/v1/orgs/${enc(org)}/invitations`, ctx, {
      email,
      role,
      ...managed(ctx),
    });
  }

  resendInvite(org: string, email: string, ctx: WriteContext): Promise<WriteOutcome> {
    const path = `/v1/orgs/${enc(org)}/invitations/${enc(email)}/resend`;
    return this.write("POST", path, ctx, managed(ctx));
  }

  cancelInvite(org: string, email: string, ctx: WriteContext): Promise<WriteOutcome> {
    return this.write("DELETE", `/v1/orgs/${enc(org)}/invitations/${enc(email)}`, ctx);
  }

  changeRole(
    org: string,
    email: string,
    from: Role,
    to: Role,
    ctx: WriteContext,
  ): Promise<WriteOutcome> {
    return this.write("PATCH", `/v1/orgs/${enc(org)}/members/${enc(email)}`, ctx, {
      role: to,
      from,
      ...managed(ctx),
    });
  }

  transferOwnership(
    org: string,
    from: string,
    to: string,
    ctx: WriteContext,
  ): Promise<WriteOutcome> {
    return this.write("POST", `/v1/orgs/${enc(org)}/transfer`, ctx, {
      from,
      to,
      ...managed(ctx),
    });
  }

  remove(org: string, email: string, ctx: WriteContext): Promise<WriteOutcome> {
    return this.write("DELETE", `/v1/orgs/${enc(org)}/members/${enc(email)}`, ctx);
  }

  /**
   * In batches of MARK_BATCH emails, each naturally idempotent (no Idempotency-Key: a repeat
   * marks nothing new). A failed batch throws; the batches before it stay marked.
   */
  async markManaged(org: string, emails: readonly string[], ctx: WriteContext): Promise<void> {
    for (const batch of markBatches(emails)) {
      await this.client.request("POST", `/v1/orgs/${enc(org)}/managed`, {
        body: { emails: batch },
        headers: contextHeaders(ctx),
      });
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private async write(
    method: string,
    path: string,
    ctx: WriteContext,
    body?: unknown,
  ): Promise<WriteOutcome> {
    try {
      const response = await this.client.request(method, path, {
        body,
        idempotencyKey: ctx.idempotencyKey,
        headers: { ...contextHeaders(ctx), ...preconditionHeaders(ctx) },
      });
      return readOutcome(response.body);
    } catch (error) {
      // Deleting what is already gone is the state we wanted: idempotent by definition.
      if (method === "DELETE" && error instanceof BackendError && error.code === "not-found") {
        return "noop";
      }
      throw error;
    }
  }

  /** Follows `next_cursor` to the end; the page size bounds each call, not the total. */
  private async collect<T>(path: string, item: (v: unknown) => T, what: string): Promise<T[]> {
    const all: T[] = [];
    let cursor: string | undefined;
    for (;;) {
      const { body } = await this.client.request("GET", path, {
        query: { limit: this.pageSize, cursor },
      });
      const page: Page<T> = readPage(body, item, what);
      all.push(...page.items);
      if (page.nextCursor === null) return all;
      cursor = page.nextCursor;
    }
  }
}

/** RFC 9110 §13.1: the version as the server's ETag quotes it, "any", or "no such record yet". */
function preconditionHeaders(ctx: WriteContext): Record<string, string> {
  const expect = ctx.expect;
  if (expect === undefined) return {};
  if ("absent" in expect) return { "if-none-match": "*" };
  if ("present" in expect) return { "if-match": "*" };
  return { "if-match": `"${expect.version}"` };
}

function managed(ctx: WriteContext): { managed?: true } {
  return ctx.managed === true ? { managed: true } : {};
}

/** Audit details travel as headers, percent-encoded: reasons may hold any Unicode. */
function contextHeaders(ctx: WriteContext): Record<string, string> {
  return {
    "x-roster-revision": enc(ctx.revision),
    "x-roster-reason": enc(ctx.reason.slice(0, 500)),
    "x-roster-actor": enc(ctx.actor),
  };
}

function checkedUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BackendError("invalid", `not a URL: ${raw.replace(/\/\/[^/@]*@/, "//")}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new BackendError("invalid", `the HTTP backend needs an http(s) URL, not ${url.protocol}`);
  }
  if (url.username !== "" || url.password !== "") {
    throw new BackendError(
      "invalid",
      "credentials do not belong in the backend URL: use --token-file FILE or ROSTER_TOKEN",
    );
  }
  if (url.search !== "" || url.hash !== "") {
    throw new BackendError("invalid", "the backend URL takes no query or fragment");
  }
  return url;
}
