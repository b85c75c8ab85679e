import { rmSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openSqlite } from "../../controller/adapters/backends/sqlite/open.js";
import { effectPresent } from "../../controller/apply/intent-effect.js";
import { recoverIntents, STALE_INTENT_MS } from "../../controller/apply/index.js";
import type { JournalIntent, NewJournalIntent } from "../../controller/model/index.js";
import { reconcile } from "../../controller/reconcile/index.js";
import { actualOrg } from "../apply/fixtures.js";
import { MemoryState } from "../apply/memory-state.js";
import { MemoryBackend } from "../fakes/memory-backend.js";
import { settings, tempDir } from "../sqlite/helpers.js";

const T0 = "2026-03-01T10:00:00.000Z";
const LATER = new Date("2026-03-01T10:00:05.000Z");
const intent = (fields: Partial<NewJournalIntent> & { action: string }): NewJournalIntent => ({
  time: T0,
  org: "acme",
  revision: "r1",
  key: `k-${fields.action}-${fields.email ?? ""}`,
  ...fields,
});
const asIntent = (fields: Partial<NewJournalIntent> & { action: string }): JournalIntent => ({
  kind: "intent",
  seq: 1,
  prevHash: "",
  hash: "",
  ...intent(fields),
});
const dead = { writerAlive: () => false, now: () => LATER };

describe("effectPresent: is the interrupted write's effect in the backend?", () => {
  const acme = actualOrg(
    "acme",
    { "alice@acme.com": "owner", "bob@acme.com": "admin" },
    { "carol@acme.com": "member" },
  );
  it.each([
    [
      "invite carol member, pending",
      { action: "invite", email: "Carol@acme.com", role: "member" },
      true,
    ],
    [
      "invite carol as admin: not the role sent",
      { action: "invite", email: "carol@acme.com", role: "admin" },
      false,
    ],
    [
      "invite dan: nothing there",
      { action: "invite", email: "dan@acme.com", role: "member" },
      false,
    ],
    [
      "invite bob admin: accepted since",
      { action: "invite", email: "bob@acme.com", role: "admin" },
      true,
    ],
    ["cancel carol: still open", { action: "cancelInvite", email: "carol@acme.com" }, false],
    ["cancel dan: gone", { action: "cancelInvite", email: "dan@acme.com" }, true],
    [
      "bob to admin",
      { action: "changeRole", email: "bob@acme.com", from: "member", to: "admin" },
      true,
    ],
    [
      "bob to member",
      { action: "changeRole", email: "bob@acme.com", from: "admin", to: "member" },
      false,
    ],
    [
      "transfer to bob",
      { action: "transferOwnership", from: "alice@acme.com", to: "bob@acme.com" },
      false,
    ],
    [
      "transfer to alice",
      { action: "transferOwnership", from: "bob@acme.com", to: "alice@acme.com" },
      true,
    ],
    ["remove bob: still there", { action: "remove", email: "bob@acme.com" }, false],
    ["remove dan: gone", { action: "remove", email: "dan@acme.com" }, true],
    [
      "resend carol: sent before the intent",
      { action: "resendInvite", email: "carol@acme.com" },
      false,
    ],
    ["create acme: exists", { action: "createOrganization", email: "alice@acme.com" }, true],
    ["update acme: the intent carries no settings", { action: "updateOrganization" }, undefined],
  ] as const)("%s", (_name, fields, expected) => {
    expect(effectPresent(asIntent(fields), acme)).toBe(expected);
  });

  it("no organization: only a createOrganization can be told, and it is absent", () => {
    expect(effectPresent(asIntent({ action: "createOrganization" }), null)).toBe(false);
    expect(effectPresent(asIntent({ action: "remove", email: "bob@acme.com" }), null)).toBe(false);
  });
});

describe("recoverIntents against the observed state", () => {
  it("journals present as applied and absent as failed, bounded by the intent and the read", async () => {
    const backend = new MemoryBackend();
    backend.seed(actualOrg("acme", { "alice@acme.com": "owner" }, { "bob@acme.com": "member" }));
    const state = new MemoryState();
    const bob = await state.appendIntent(
      intent({ action: "invite", email: "bob@acme.com", role: "member" }),
    );
    const carol = await state.appendIntent(
      intent({ action: "invite", email: "carol@acme.com", role: "member" }),
    );
    const report = await recoverIntents(backend, state, dead);
    expect(report.failed.size).toBe(0);
    expect(state.journal).toEqual([
      expect.objectContaining({
        intent: bob.seq,
        result: "applied",
        notBefore: T0,
        time: LATER.toISOString(),
      }),
      expect.objectContaining({
        intent: carol.seq,
        result: "failed",
        notBefore: T0,
        error: expect.stringContaining("found absent on recovery"),
      }),
    ]);
    expect(await state.openIntents()).toEqual([]);
    // Resolved once: a second pass, or the dead writer's late outcome, appends nothing more.
    expect((await recoverIntents(backend, state, dead)).recovered).toEqual([]);
    const late = await state.appendJournal({
      ...intent({ action: "invite", email: "bob@acme.com" }),
      result: "applied",
      intent: bob.seq,
    });
    expect(late).toEqual(state.journal[0]);
    expect(state.journal).toHaveLength(2);
  });

  it("leaves a live writer's intent alone until it is stale", async () => {
    const backend = new MemoryBackend();
    backend.seed(actualOrg("acme", { "alice@acme.com": "owner" }));
    const state = new MemoryState();
    await state.appendIntent(intent({ action: "remove", email: "bob@acme.com" }));
    const alive = { writerAlive: () => true, now: () => LATER };
    expect(await recoverIntents(backend, state, alive)).toMatchObject({
      recovered: [],
      inFlight: 1,
    });
    const stale = new Date(Date.parse(T0) + STALE_INTENT_MS);
    const report = await recoverIntents(backend, state, {
      writerAlive: () => true,
      now: () => stale,
    });
    expect(report.recovered).toEqual([
      expect.objectContaining({ result: "applied", notBefore: T0 }),
    ]);
  });

  it("a stale intent whose step a later write carried out is not counted twice", async () => {
    const backend = new MemoryBackend();
    backend.seed(actualOrg("acme", { "alice@acme.com": "owner" }, { "bob@acme.com": "member" }));
    const state = new MemoryState();
    const step = { action: "invite", email: "bob@acme.com", role: "member" };
    // Another host's write, left open (its writer looked alive); a later pass invited bob itself.
    const old = await state.appendIntent(intent(step));
    const again = await state.appendIntent(intent({ ...step, key: "k-again" }));
    await state.appendJournal({ ...intent(step), result: "applied", intent: again.seq });
    const stale = new Date(Date.parse(T0) + STALE_INTENT_MS);
    const report = await recoverIntents(backend, state, {
      writerAlive: () => true,
      now: () => stale,
    });
    expect(report.recovered).toEqual([
      expect.objectContaining({ intent: old.seq, result: "failed" }),
    ]);
    expect(state.journal.filter((e) => e.result === "applied")).toHaveLength(1);
  });

  it("an unreadable backend leaves the intents open and keeps the pass from writing there", async () => {
    const backend = new MemoryBackend();
    backend.seed(actualOrg("acme", { "alice@acme.com": "owner" }));
    const state = new MemoryState();
    await state.appendIntent(intent({ action: "invite", email: "bob@acme.com", role: "member" }));
    const snapshot = backend.snapshot.bind(backend);
    let down = true;
    backend.snapshot = (org) => (down ? Promise.reject(new Error("backend down")) : snapshot(org));
    const source = {
      describe: "test",
      read: () =>
        Promise.resolve({
          revision: "r2",
          oversized: [],
          files: [
            {
              path: "acme.yaml",
              text: [
                "apiVersion: roster.workjet.io/v1alpha1\nkind: Organization\nmetadata: { name: acme }\nspec: {}",
                "apiVersion: roster.workjet.io/v1alpha1\nkind: Member\nmetadata: { name: alice }\nspec: { organization: acme, email: alice@acme.com, role: owner }",
                "apiVersion: roster.workjet.io/v1alpha1\nkind: Member\nmetadata: { name: bob }\nspec: { organization: acme, email: bob@acme.com, role: member }",
              ].join("\n---\n"),
            },
          ],
        }),
    };
    const options = { dryRun: false, recovery: dead };
    const first = await reconcile({ source, backend, state }, options);
    expect(first.orgs.map((o) => o.status)).toEqual(["failed"]);
    expect(backend.outbox).toEqual([]);
    expect(await state.openIntents()).toHaveLength(1);
    down = false;
    const second = await reconcile({ source, backend, state }, options);
    expect(second.orgs.map((o) => o.status)).toEqual(["synced"]);
    // The interrupted invite had not landed: one failed recovered outcome, then one real invite.
    expect(
      state.journal.map((e) => [e.action, e.email, e.result, e.notBefore !== undefined]),
    ).toEqual([
      ["invite", "bob@acme.com", "failed", true],
      ["invite", "bob@acme.com", "applied", false],
    ]);
    expect(backend.outbox).toHaveLength(1);
  });
});

describe("recoverIntents against the embedded store: exact, from its idempotency record", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("tells the write that committed from the same effect made by someone else", async () => {
    const dir = tempDir("roster-recover-");
    dirs.push(dir);
    const opened = openSqlite(path.join(dir, "portal.db"));
    try {
      const ctx = (key: string) => ({
        revision: "r1",
        reason: "test",
        actor: "roster",
        idempotencyKey: key,
      });
      await opened.backend.createOrganization("acme", settings(), "alice@acme.com", ctx("create"));
      const now = new Date().toISOString();
      // The killed run: its invite of carol committed, its invite of bob never reached the store…
      const carol = await opened.state.appendIntent({
        ...intent({ action: "invite", email: "carol@acme.com", role: "member" }),
        time: now,
        key: "k-carol",
      });
      await opened.backend.invite("acme", "carol@acme.com", "member", ctx("k-carol"));
      const bob = await opened.state.appendIntent({
        ...intent({ action: "invite", email: "bob@acme.com", role: "member" }),
        time: now,
        key: "k-bob",
      });
      // …but a Portal admin invited bob meanwhile: the observed state alone would say "applied".
      await opened.store.invite(
        { kind: "system", name: "portal-user" },
        "acme",
        "bob@acme.com",
        "member",
      );
      const report = await recoverIntents(opened.backend, opened.state, {
        writerAlive: () => false,
      });
      expect(report.recovered.map((e) => [e.intent, e.email, e.result])).toEqual([
        [carol.seq, "carol@acme.com", "applied"],
        [bob.seq, "bob@acme.com", "failed"],
      ]);
      expect(opened.state.verifyJournal()).toEqual({ ok: true, entries: 4 });
    } finally {
      await opened.close();
    }
  });
});
