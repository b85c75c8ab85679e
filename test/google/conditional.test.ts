import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteControllerState } from "../../controller/adapters/backends/sqlite/controller-state.js";
import { openBackend } from "../../controller/cli/backend-uri.js";
import { UsageError } from "../../controller/cli/errors.js";
import { PRECONDITION_FAILED } from "../../controller/model/index.js";
import { GROUP, ctx, harness, type Harness } from "./setup.js";

const MEMBERS_PATH = `/admin/directory/v1/groups/${GROUP}/members`;

let h: Harness;
beforeEach(async () => {
  h = await harness();
  h.fake.addMember(GROUP, "owner@acme.com", "OWNER");
});
afterEach(async () => {
  await h.close();
});

const writes = () => h.fake.calls.filter((c) => c.method !== "GET");

describe("Google: versions, natural idempotency, no marks", () => {
  it("the member ETag is the snapshot's version, and a role change moves it", async () => {
    h.fake.addMember(GROUP, "bob@acme.com", "MEMBER");
    const backend = h.open();
    const before = (await backend.snapshot("acme"))!.members.find(
      (m) => m.email === "bob@acme.com",
    )!;
    expect(before.version).toMatch(/^".+"$/);
    await backend.changeRole("acme", "bob@acme.com", "member", "admin", ctx());
    const after = (await backend.snapshot("acme"))!.members.find(
      (m) => m.email === "bob@acme.com",
    )!;
    expect(after.version).not.toBe(before.version);
    // Only the fields Roster reads are asked for, ETag included.
    const list = h.fake.calls.find((c) => c.method === "GET" && c.path === MEMBERS_PATH)!;
    expect(list.query.fields).toContain("etag");
  });

  it("409 on insert with the role asked for is a noop; with another role and `absent`, a failed precondition", async () => {
    const backend = h.open();
    h.fake.addMember(GROUP, "bob@acme.com", "MEMBER"); // added by hand after the plan looked
    expect(
      await backend.invite("acme", "bob@acme.com", "member", ctx({ expect: { absent: true } })),
    ).toBe("noop");
    h.fake.addMember(GROUP, "cat@acme.com", "MANAGER");
    await expect(
      backend.invite("acme", "cat@acme.com", "member", ctx({ expect: { absent: true } })),
    ).rejects.toMatchObject({ code: PRECONDITION_FAILED, transient: false });
    expect(h.fake.rolesOf(GROUP)["cat@acme.com"]).toBe("MANAGER");
    expect(writes().filter((c) => c.method === "PATCH")).toEqual([]);
    // Without a precondition the old contract holds: the role is set.
    expect(await backend.invite("acme", "cat@acme.com", "member", ctx())).toBe("applied");
    expect(h.fake.rolesOf(GROUP)["cat@acme.com"]).toBe("MEMBER");
  });

  it("404 on delete is a noop: the member is already gone", async () => {
    const backend = h.open();
    expect(
      await backend.remove("acme", "ghost@acme.com", ctx({ expect: { version: '"x"' } })),
    ).toBe("noop");
  });

  it("holds no marks: managedMarks is false and markManaged makes no call", async () => {
    const backend = h.open();
    expect(backend.managedMarks).toBe(false);
    await backend.markManaged("acme", ["owner@acme.com"], ctx());
    expect(h.fake.calls).toEqual([]);
    await expect(backend.markManaged("beta", [], ctx())).rejects.toThrow(/not "beta"/);
  });
});

describe("--state: where a backend without marks keeps its managed set", () => {
  let dir: string;
  let saved: string | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "roster-google-state-"));
    saved = process.env.ROSTER_GOOGLE_ACCESS_TOKEN;
    process.env.ROSTER_GOOGLE_ACCESS_TOKEN = h.fake.token;
  });
  afterEach(async () => {
    if (saved === undefined) delete process.env.ROSTER_GOOGLE_ACCESS_TOKEN;
    else process.env.ROSTER_GOOGLE_ACCESS_TOKEN = saved;
    await rm(dir, { recursive: true, force: true });
  });
  const uri = () =>
    `google:${GROUP}?org=acme&record=${encodeURIComponent(join(dir, "r.json"))}&rootUrl=${h.fake.url}`;

  it("without --state the managed set is unknown (no state for it); the journal still has a home", async () => {
    const opened = await openBackend(uri(), { statePath: join(dir, "journal.db") });
    try {
      expect(opened.managedState).toBeUndefined();
      expect(opened.state).toBeDefined();
    } finally {
      await opened.close();
    }
  });

  it("with --state sqlite:PATH the managed set and the journal live in that file, per email", async () => {
    const file = join(dir, "explicit.db");
    const opened = await openBackend(uri(), { stateUri: `sqlite:${file}` });
    try {
      expect(opened.managedState).toBe(opened.state);
      await opened.managedState!.addManagedMembers("acme", ["Bob@acme.com"]);
    } finally {
      await opened.close();
    }
    const again = SqliteControllerState.open(file);
    expect(await again.managedMembers("acme")).toEqual(new Set(["bob@acme.com"]));
    await again.close();
  });

  it("for http(s) --state moves the journal: the Portal's marks are the managed set", async () => {
    const token = process.env.ROSTER_TOKEN;
    process.env.ROSTER_TOKEN = "rk_test";
    try {
      const file = join(dir, "http-journal.db");
      const opened = await openBackend("http://127.0.0.1:9", { stateUri: `sqlite:${file}` });
      // The state is read only for what a Roster before marks left there (legacy-managed.ts).
      expect(opened.managedState).toBe(opened.state);
      expect(opened.backend.managedMarks).toBe(true);
      await opened.close();
      expect(existsSync(file)).toBe(true);
    } finally {
      if (token === undefined) delete process.env.ROSTER_TOKEN;
      else process.env.ROSTER_TOKEN = token;
    }
  });

  it("refuses another form, and --state beside the embedded store (which keeps its own)", async () => {
    await expect(openBackend(uri(), { stateUri: "/tmp/x.db" })).rejects.toThrow(
      /--state takes sqlite:PATH/,
    );
    await expect(
      openBackend(`sqlite:${join(dir, "p.db")}`, { stateUri: `sqlite:${join(dir, "s.db")}` }),
    ).rejects.toBeInstanceOf(UsageError);
  });
});
