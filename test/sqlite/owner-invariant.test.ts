import { afterEach, describe, expect, it } from "vitest";
import type { Actor } from "../../controller/adapters/backends/sqlite/store-types.js";
import { BackendError } from "../../controller/model/index.js";
import type { Role } from "../../controller/model/index.js";
import type { TempStore } from "./helpers.js";
import { SYSTEM, openTempStore, settings } from "./helpers.js";

let t: TempStore;
afterEach(() => t.cleanup());

/** A small deterministic PRNG (mulberry32): the same seed replays the same run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const PEOPLE = ["a", "b", "c", "d", "e", "f"].map((p) => `${p}@acme.com`);
const ROLES: Role[] = ["member", "admin", "owner"];

describe("R2 under random operations by random actors", () => {
  it("every organization always has exactly one owner, whatever succeeds or is refused", async () => {
    t = openTempStore();
    t.store.createOrganization(SYSTEM, "acme", settings(), PEOPLE[0]!);
    const random = prng(20250301);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const outcomes = { ok: 0, refused: 0 };
    for (let step = 0; step < 600; step++) {
      const actor: Actor =
        random() < 0.2 ? SYSTEM : { kind: "user", email: pick(PEOPLE), role: pick(ROLES) };
      const email = pick(PEOPLE);
      try {
        switch (pick(["invite", "accept", "role", "transfer", "remove", "signin"] as const)) {
          case "invite":
            await t.store.invite(actor, "acme", email, pick(["admin", "member"] as const));
            break;
          case "accept":
            t.store.acceptInvitationByEmail(SYSTEM, "acme", email);
            break;
          case "role":
            t.store.changeRole(actor, "acme", email, pick(ROLES));
            break;
          case "transfer":
            t.store.transferOwnership(actor, "acme", email);
            break;
          case "remove":
            t.store.removeMember(actor, "acme", email);
            break;
          case "signin":
            t.store.signIn(email);
            break;
        }
        outcomes.ok++;
      } catch (error) {
        if (!(error instanceof BackendError)) throw error;
        outcomes.refused++;
      }
      const owners = t.rows<{ n: number }>(
        "SELECT count(*) AS n FROM memberships WHERE role = 'owner'",
      )[0]!.n;
      expect(owners, `after step ${step}`).toBe(1);
    }
    // Both paths were exercised, and ownership really moved around.
    expect(outcomes.ok).toBeGreaterThan(100);
    expect(outcomes.refused).toBeGreaterThan(100);
    expect(
      t.rows("SELECT * FROM audit_events WHERE action = 'transferOwnership'").length,
    ).toBeGreaterThan(0);
  });
});
