/**
 * A model-based test of the store's conditional writes (fast-check): random interleavings of a
 * snapshot, Roster's conditional writes made from it, and plain Portal edits, on a real SQLite
 * file. The model knows only which records each applied write touched; from that alone it
 * predicts which conditional writes must fail with precondition-failed. Also: a version is never
 * shown twice for different states (no ABA), and a retry of a committed write replays.
 * A failure prints its seed; ROSTER_STORE_MBT_SEED replays it.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { PortalStore } from "../../controller/adapters/backends/sqlite/store.js";
import type { WriteOptions } from "../../controller/adapters/backends/sqlite/store-types.js";
import type { InvitableRole } from "../../controller/model/index.js";
import { BackendError, PRECONDITION_FAILED } from "../../controller/model/index.js";
import type { TempStore } from "./helpers.js";
import { SYSTEM, openTempStore, settings } from "./helpers.js";

const EMAILS = ["a@acme.com", "b@acme.com", "c@acme.com", "d@acme.com"];
const OWNER = "owner@acme.com";

type Op =
  | { kind: "snapshot" }
  | {
      kind: "portal";
      what: "invite" | "role" | "cancel" | "accept" | "remove" | "resend";
      email: string;
      role: InvitableRole;
    }
  | {
      kind: "roster";
      what: "invite" | "role" | "cancel" | "remove" | "resend";
      email: string;
      role: InvitableRole;
    }
  | { kind: "retry-last" };

const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constant({ kind: "snapshot" as const }), weight: 2 },
  {
    arbitrary: fc.record({
      kind: fc.constant("portal" as const),
      what: fc.constantFrom("invite", "role", "cancel", "accept", "remove", "resend"),
      email: fc.constantFrom(...EMAILS),
      role: fc.constantFrom<InvitableRole>("admin", "member"),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("roster" as const),
      what: fc.constantFrom("invite", "role", "cancel", "remove", "resend"),
      email: fc.constantFrom(...EMAILS),
      role: fc.constantFrom<InvitableRole>("admin", "member"),
    }),
    weight: 4,
  },
  { arbitrary: fc.constant({ kind: "retry-last" as const }), weight: 1 },
);

type Call = () => { outcome: string } | Promise<{ outcome: string }>;

/** What the caller saw of one email at the last snapshot, and whether it was written since. */
interface Seen {
  member?: string;
  invitation?: string;
}

class World {
  seen = new Map<string, Seen>();
  /** Records written (applied) since the last snapshot: `m:email`, `i:email`. */
  dirty = new Set<string>();
  /** Every (record, version) → the state it showed: a version never names two states. */
  shown = new Map<string, string>();
  last: { call: Call; outcome: string } | undefined;
  checked = 0;

  constructor(readonly t: TempStore) {}

  get store(): PortalStore {
    return this.t.store;
  }

  audit(): number {
    return this.t.rows<{ n: number }>("SELECT count(*) AS n FROM audit_events")[0]!.n;
  }

  snapshot(): void {
    const s = this.store.snapshot("acme")!;
    this.seen = new Map(EMAILS.map((e) => [e, {}]));
    for (const m of s.members) {
      this.seen.set(m.email, { ...this.seen.get(m.email), member: m.version! });
      this.remember(`m:${m.email}`, m.version!, m.role);
    }
    for (const i of s.invitations) {
      this.seen.set(i.email, { ...this.seen.get(i.email), invitation: i.version! });
      this.remember(`i:${i.email}`, i.version!, `${i.role}:${i.sentAt}:${i.expiresAt}`);
    }
    this.dirty.clear();
  }

  private remember(record: string, version: string, state: string): void {
    const key = `${record}@${version}`;
    const before = this.shown.get(key);
    // The same version showing another state would let a stale write through (ABA).
    expect({ key, state: before ?? state }).toEqual({ key, state });
    this.shown.set(key, state);
  }

  /** Runs a write; marks what an applied write touched. */
  async run(call: Call, touches: string[]): Promise<{ outcome: string } | BackendError> {
    const audit = this.audit();
    try {
      const result = await call();
      if (result.outcome === "applied") for (const r of touches) this.dirty.add(r);
      return result;
    } catch (error) {
      if (error instanceof BackendError) {
        expect(this.audit()).toBe(audit); // a refused write leaves no trace
        return error;
      }
      throw error;
    }
  }

  async portal(o: Extract<Op, { kind: "portal" }>): Promise<void> {
    const s = this.store;
    const touches = [`m:${o.email}`, `i:${o.email}`];
    const calls: Record<typeof o.what, Call> = {
      invite: () => s.invite(SYSTEM, "acme", o.email, o.role),
      role: () => s.changeRole(SYSTEM, "acme", o.email, o.role),
      cancel: () => s.cancelInvite(SYSTEM, "acme", o.email),
      accept: () => s.acceptInvitationByEmail(SYSTEM, "acme", o.email),
      remove: () => s.removeMember(SYSTEM, "acme", o.email),
      resend: () => s.resendInvite(SYSTEM, "acme", o.email),
    };
    await this.run(calls[o.what], touches);
  }

  async roster(o: Extract<Op, { kind: "roster" }>, key: string): Promise<void> {
    const seen = this.seen.get(o.email);
    if (seen === undefined) return; // no snapshot yet: Roster plans nothing
    const member = `m:${o.email}`;
    const invitation = `i:${o.email}`;
    const s = this.store;
    const exists = this.current(o.email);
    let expect_: WriteOptions["expect"];
    let fails: boolean;
    let call: Call;
    switch (o.what) {
      case "role":
      case "remove": {
        if (seen.member === undefined) return;
        expect_ = { version: seen.member };
        const gone = !exists.member;
        // Remove of a member already gone is a noop, not a failure.
        fails = o.what === "remove" && gone ? false : gone || this.dirty.has(member);
        call =
          o.what === "role"
            ? () =>
                s.changeRole(SYSTEM, "acme", o.email, o.role, {
                  idempotencyKey: key,
                  expect: expect_,
                })
            : () =>
                s.removeMember(SYSTEM, "acme", o.email, { idempotencyKey: key, expect: expect_ });
        break;
      }
      case "cancel":
      case "resend": {
        if (seen.invitation === undefined) return;
        expect_ = { version: seen.invitation };
        fails = !exists.invitation || this.dirty.has(invitation);
        call =
          o.what === "cancel"
            ? () =>
                s.cancelInvite(SYSTEM, "acme", o.email, { idempotencyKey: key, expect: expect_ })
            : () =>
                s.resendInvite(SYSTEM, "acme", o.email, { idempotencyKey: key, expect: expect_ });
        break;
      }
      case "invite": {
        expect_ = seen.invitation === undefined ? { absent: true } : { version: seen.invitation };
        fails =
          "absent" in expect_
            ? exists.member || exists.invitation
            : !exists.invitation || this.dirty.has(invitation);
        call = () =>
          s.invite(SYSTEM, "acme", o.email, o.role, {
            idempotencyKey: key,
            expect: expect_,
            managed: true,
          });
        break;
      }
    }
    const result = await this.run(call, [member, invitation]);
    const failed = result instanceof BackendError && result.code === PRECONDITION_FAILED;
    this.checked++;
    expect({
      op: o,
      seen,
      dirty: [...this.dirty],
      precondition: failed ? "failed" : "held",
    }).toMatchObject({
      precondition: fails ? "failed" : "held",
    });
    if (!(result instanceof BackendError)) this.last = { call, outcome: result.outcome };
  }

  /** The retry of the last committed conditional write replays its answer, whatever happened since. */
  async retryLast(): Promise<void> {
    if (!this.last) return;
    const audit = this.audit();
    const again = (await this.last.call()) as { replayed?: boolean; firstOutcome?: string };
    expect(again).toMatchObject({ replayed: true, firstOutcome: this.last.outcome });
    expect(this.audit()).toBe(audit);
  }

  private current(email: string): { member: boolean; invitation: boolean } {
    const s = this.store.snapshot("acme")!;
    return {
      member: s.members.some((m) => m.email === email),
      invitation: s.invitations.some((i) => i.email === email),
    };
  }
}

const seed = Number(process.env.ROSTER_STORE_MBT_SEED ?? Math.floor(Math.random() * 2 ** 31));
let checked = 0;

describe("conditional writes against a changing store (model-based)", () => {
  afterAll(() => {
    process.stdout.write(
      `store conditional-write model: seed ${seed}, ${checked} conditional writes checked\n`,
    );
  });

  // ~5 s on an idle machine; the suite shares 2 loaded cores.
  it(
    "a conditional write fails exactly when its record was written since the snapshot",
    { timeout: 120_000 },
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 15, maxLength: 50 }), async (ops) => {
          const t = openTempStore();
          try {
            t.store.createOrganization(SYSTEM, "acme", settings(), OWNER);
            // A lived-in start: two members and an open invitation, seen by a first snapshot.
            for (const email of EMAILS.slice(0, 3))
              await t.store.invite(SYSTEM, "acme", email, "member");
            for (const email of EMAILS.slice(0, 2))
              t.store.acceptInvitationByEmail(SYSTEM, "acme", email);
            const world = new World(t);
            world.snapshot();
            for (const [i, o] of ops.entries()) {
              if (o.kind === "snapshot") world.snapshot();
              else if (o.kind === "portal") await world.portal(o);
              else if (o.kind === "roster") await world.roster(o, `k${i}`);
              else await world.retryLast();
            }
            checked += world.checked;
          } finally {
            t.cleanup();
          }
        }),
        { seed, numRuns: 200 },
      );
      // Not vacuous: most sequences make several conditional writes.
      expect(checked).toBeGreaterThan(500);
    },
  );
});
