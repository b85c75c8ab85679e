import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GitCli } from "../../controller/adapters/sources/git-cli.js";
import { GitHistoryCli } from "../../controller/adapters/sources/git-history-cli.js";
import { accessAt } from "../../controller/audit/access.js";
import type { JournalEntry } from "../../controller/model/index.js";
import type { ScriptedHistory } from "./scripted-history.js";
import { buildScriptedHistory } from "./scripted-history.js";

let h: ScriptedHistory;
let history: GitHistoryCli;

beforeAll(() => {
  h = buildScriptedHistory();
  history = new GitHistoryCli(new GitCli({ env: h.repo.env }), {
    gitDir: path.join(h.repo.dir, ".git"),
  });
});

afterAll(async () => {
  await history.close();
  h.repo.cleanup();
});

const member = (org: string, email: string, role: string, grantedIn: string) => ({
  org,
  email,
  role,
  grantedIn,
});

describe("accessAt", () => {
  it("before the merge of #12: the first grants", async () => {
    const report = await accessAt(history, {
      ref: h.repo.head(),
      at: new Date("2024-02-10T00:00:00Z"),
    });
    expect(report).toEqual({
      at: "2024-02-10T00:00:00Z",
      revision: h.sha.addCarol,
      skipped: [],
      members: [
        member("acme", "alice@acme.com", "owner", h.sha.create),
        member("acme", "bob@acme.com", "member", h.sha.create),
        member("acme", "carol@acme.com", "member", h.sha.addCarol),
        member("globex", "gina@globex.com", "owner", h.sha.create),
      ],
    });
  });

  it("after the transfer (#13): each role with the commit that granted it", async () => {
    const report = await accessAt(history, {
      ref: h.repo.head(),
      at: new Date("2024-03-10T12:00:00Z"),
      org: "acme",
    });
    expect(report.revision).toBe(h.sha.squash13);
    expect(report.members).toEqual([
      member("acme", "alice@acme.com", "admin", h.sha.squash13),
      member("acme", "bob@acme.com", "owner", h.sha.squash13),
      member("acme", "carol@acme.com", "member", h.sha.addCarol),
      member("acme", "dave@acme.com", "member", h.sha.merge12),
    ]);
  });

  it("while the branch held invalid YAML: the last valid state, and the skipped commit", async () => {
    const report = await accessAt(history, {
      ref: h.repo.head(),
      at: new Date("2024-03-20T12:00:00Z"),
      org: "acme",
    });
    expect(report.revision).toBe(h.sha.squash13);
    expect(report.members.map((m) => m.email)).toEqual([
      "alice@acme.com",
      "bob@acme.com",
      "carol@acme.com",
      "dave@acme.com",
    ]);
    expect(report.skipped.map((s) => s.commit)).toEqual([h.sha.broken]);
  });

  it("at the very end, and before the first commit", async () => {
    const end = await accessAt(history, { ref: h.repo.head(), at: new Date("2030-01-01") });
    expect(end.revision).toBe(h.sha.dropGlobex);
    const docs = await accessAt(history, { ref: h.repo.head(), at: new Date("2024-04-05") });
    expect(docs.revision).toBe(h.sha.readme);
    expect(end.members.map((m) => `${m.org}/${m.email}/${m.role}`)).toEqual([
      "acme/alice@acme.com/admin",
      "acme/bob@acme.com/owner",
      "acme/dave@acme.com/member",
      "acme/erin@acme.com/member",
    ]);
    const before = await accessAt(history, { ref: h.repo.head(), at: new Date("2023-12-31") });
    expect(before).toMatchObject({ revision: null, members: [] });
  });

  it("with the journal: when the backend applied each role, and the gaps", async () => {
    const entry = (
      seq: number,
      time: string,
      revision: string,
      fields: Partial<JournalEntry>,
    ): JournalEntry => ({
      seq,
      time,
      org: "acme",
      action: "invite",
      revision,
      result: "applied",
      prevHash: "",
      hash: "",
      ...fields,
    });
    const journal: JournalEntry[] = [
      entry(1, "2024-01-10T09:05:00.000Z", h.sha.create, {
        action: "createOrganization",
        email: "alice@acme.com",
        role: "owner",
      }),
      entry(2, "2024-01-10T09:05:01.000Z", h.sha.create, { email: "bob@acme.com", role: "member" }),
      // carol's invitation failed once, then went through on the next sync.
      entry(3, "2024-02-01T10:01:00.000Z", h.sha.addCarol, {
        email: "carol@acme.com",
        role: "member",
        result: "failed",
      }),
      entry(4, "2024-02-01T10:02:00.000Z", h.sha.addCarol, {
        email: "Carol@Acme.com",
        role: "member",
      }),
      entry(5, "2024-02-20T11:01:00.000Z", h.sha.merge12, {
        action: "changeRole",
        email: "bob@acme.com",
        from: "member",
        to: "admin",
      }),
      entry(6, "2024-03-05T15:01:00.000Z", h.sha.squash13, {
        action: "transferOwnership",
        email: "bob@acme.com",
        from: "alice@acme.com",
        to: "bob@acme.com",
      }),
      // alice's demotion is the transfer's doing (R5); dave's invitation was never applied.
      entry(7, "2024-03-05T15:01:01.000Z", h.sha.squash13, {
        action: "changeRole",
        email: "alice@acme.com",
        from: "owner",
        to: "admin",
        result: "noop",
      }),
    ];
    const report = await accessAt(history, {
      ref: h.repo.head(),
      at: new Date("2024-03-10T12:00:00Z"),
      org: "acme",
      journal,
    });
    expect(report.members).toEqual([
      {
        ...member("acme", "alice@acme.com", "admin", h.sha.squash13),
        appliedAt: "2024-03-05T15:01:01.000Z",
        gap: false,
      },
      {
        ...member("acme", "bob@acme.com", "owner", h.sha.squash13),
        appliedAt: "2024-03-05T15:01:00.000Z",
        gap: false,
      },
      {
        ...member("acme", "carol@acme.com", "member", h.sha.addCarol),
        appliedAt: "2024-02-01T10:02:00.000Z",
        gap: false,
      },
      { ...member("acme", "dave@acme.com", "member", h.sha.merge12), appliedAt: null, gap: true },
    ]);
    // An entry of an older revision does not apply a role granted later.
    const early = await accessAt(history, {
      ref: h.repo.head(),
      at: new Date("2024-03-10T12:00:00Z"),
      org: "acme",
      journal: journal.filter((e) => e.seq === 2),
    });
    expect(early.members.find((m) => m.email === "bob@acme.com")).toMatchObject({
      appliedAt: null,
      gap: true,
    });
  });
});
