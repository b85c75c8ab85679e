import { GoogleFakeServer, HttpError, pageOf, type Handler } from "./google-http.js";

/**
 * A fake of the Admin SDK Directory API (directory_v1) for what Roster calls: group members
 * (list/get/insert/patch/update/delete) and users.list by domain, with the real paths, JSON,
 * page limits (members 200, users 500), page tokens and error bodies. Driven by the real
 * `@googleapis/admin` client with `rootUrl` pointed here.
 */

export interface FakeMember {
  kind: "admin#directory#member";
  id: string;
  email: string;
  role: "OWNER" | "MANAGER" | "MEMBER";
  type: "USER" | "GROUP" | "CUSTOMER";
  status: string;
  etag: string;
}

export interface FakeUser {
  kind: "admin#directory#user";
  id: string;
  primaryEmail: string;
  suspended: boolean;
  archived: boolean;
}

const ROLES = new Set(["OWNER", "MANAGER", "MEMBER"]);
const PREFIX = ["admin", "directory", "v1"];

export class FakeGoogleDirectory {
  readonly server: GoogleFakeServer;
  /** Group email → members by lower-cased email, in insertion order. */
  readonly groups = new Map<string, Map<string, FakeMember>>();
  readonly users: FakeUser[] = [];
  private nextId = 1;

  constructor(readonly token = "test-access-token") {
    this.server = new GoogleFakeServer(this.handle, token);
  }

  static async start(token?: string): Promise<FakeGoogleDirectory> {
    const fake = new FakeGoogleDirectory(token);
    await fake.server.start();
    return fake;
  }

  get url(): string {
    return this.server.url;
  }

  get calls() {
    return this.server.calls;
  }

  count(method: string, pathIncludes = ""): number {
    return this.server.count(method, pathIncludes);
  }

  addGroup(email: string): this {
    this.groups.set(email.toLowerCase(), new Map());
    return this;
  }

  addMember(
    group: string,
    email: string,
    role: FakeMember["role"] = "MEMBER",
    type: FakeMember["type"] = "USER",
  ): this {
    const members = this.groups.get(group.toLowerCase());
    if (!members) throw new Error(`no group ${group}`);
    members.set(email.toLowerCase(), this.member(email, role, type));
    return this;
  }

  addUser(email: string, flags: { suspended?: boolean; archived?: boolean } = {}): this {
    this.users.push({
      kind: "admin#directory#user",
      id: String(this.nextId++),
      primaryEmail: email,
      suspended: flags.suspended ?? false,
      archived: flags.archived ?? false,
    });
    return this;
  }

  /** The group's USER members as `email → ROLE`, for assertions. */
  rolesOf(group: string): Record<string, string> {
    const members = this.groups.get(group.toLowerCase()) ?? new Map<string, FakeMember>();
    return Object.fromEntries([...members.values()].map((m) => [m.email.toLowerCase(), m.role]));
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private member(email: string, role: FakeMember["role"], type: FakeMember["type"]): FakeMember {
    const id = String(this.nextId++);
    return {
      kind: "admin#directory#member",
      id,
      email,
      role,
      type,
      status: "ACTIVE",
      etag: `"etag-${id}"`,
    };
  }

  private readonly handle: Handler = (method, segments, query, body) => {
    if (PREFIX.some((p, i) => segments[i] !== p)) throw notFound("path");
    const [collection, key, sub, memberKey, ...rest] = segments.slice(PREFIX.length);
    if (collection === "users" && key === undefined && method === "GET")
      return this.listUsers(query);
    if (collection !== "groups" || key === undefined || sub !== "members" || rest.length > 0) {
      throw notFound("path");
    }
    const members = this.groups.get(key.toLowerCase());
    if (!members) throw notFound("groupKey");
    if (memberKey === undefined) {
      if (method === "GET") {
        const { page, nextPageToken } = pageOf([...members.values()], query, {
          default: 200,
          max: 200,
        });
        return {
          status: 200,
          body: {
            kind: "admin#directory#members",
            etag: '"list"',
            ...(page.length > 0 ? { members: page } : {}),
            ...(nextPageToken === undefined ? {} : { nextPageToken }),
          },
        };
      }
      if (method === "POST") return this.insert(members, body);
      throw new HttpError(405, "Method not allowed", "badRequest");
    }
    const existing = members.get(memberKey.toLowerCase());
    if (!existing) throw notFound("memberKey");
    switch (method) {
      case "GET":
        return { status: 200, body: existing };
      case "PATCH":
      case "PUT": {
        const role = roleOf(body);
        // Google gives a changed resource a new ETag.
        if (role !== undefined && role !== existing.role) existing.etag = `"etag-${this.nextId++}"`;
        if (role !== undefined) existing.role = role;
        return { status: 200, body: existing };
      }
      case "DELETE":
        members.delete(memberKey.toLowerCase());
        return { status: 204 };
      default:
        throw new HttpError(405, "Method not allowed", "badRequest");
    }
  };

  private insert(members: Map<string, FakeMember>, body: unknown) {
    const email = (body as { email?: unknown } | undefined)?.email;
    if (typeof email !== "string" || email === "") {
      throw new HttpError(400, "Missing required field: memberKey", "required");
    }
    if (members.has(email.toLowerCase())) {
      throw new HttpError(409, "Member already exists.", "duplicate");
    }
    const member = this.member(email, roleOf(body) ?? "MEMBER", "USER");
    members.set(email.toLowerCase(), member);
    return { status: 200, body: member };
  }

  private listUsers(query: Record<string, string>) {
    const domain = query.domain?.toLowerCase();
    if (domain === undefined && query.customer === undefined) {
      throw new HttpError(400, "Bad Request", "badRequest");
    }
    const users = this.users.filter(
      (u) => domain === undefined || u.primaryEmail.toLowerCase().endsWith(`@${domain}`),
    );
    const { page, nextPageToken } = pageOf(users, query, { default: 100, max: 500 });
    return {
      status: 200,
      body: {
        kind: "admin#directory#users",
        etag: '"users"',
        ...(page.length > 0 ? { users: page } : {}),
        ...(nextPageToken === undefined ? {} : { nextPageToken }),
      },
    };
  }
}

function roleOf(body: unknown): FakeMember["role"] | undefined {
  const role = (body as { role?: unknown } | undefined)?.role;
  if (role === undefined) return undefined;
  if (typeof role !== "string" || !ROLES.has(role)) {
    throw new HttpError(400, `Invalid input: role ${JSON.stringify(role)}`, "invalid");
  }
  return role as FakeMember["role"];
}

function notFound(what: string): HttpError {
  return new HttpError(404, `Resource Not Found: ${what}`, "notFound");
}
