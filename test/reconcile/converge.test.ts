import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type {
  ActualOrganization,
  DesiredStateSource,
  IdentityBackend,
  SourceSnapshot,
} from "../../controller/model/index.js";
import { BackendError } from "../../controller/model/index.js";
import { reconcile } from "../../controller/reconcile/index.js";
import type { ReconcileOptions } from "../../controller/reconcile/index.js";
import { MAX_ROUNDS } from "../../controller/reconcile/converge.js";
import { actualOrg } from "../apply/fixtures.js";
import { MemoryState } from "../apply/memory-state.js";
import { MemoryBackend } from "../fakes/memory-backend.js";

const ACME = `apiVersion: roster.workjet.io/v1alpha1
kind: Organization
metadata: { name: acme }
spec: { displayName: Acme, domains: [acme.com] }
---
apiVersion: roster.workjet.io/v1alpha1
kind: Member
metadata: { name: alice }
spec: { organization: acme, email: alice@acme.com, role: owner }
---
apiVersion: roster.workjet.io/v1alpha1
kind: Member
metadata: { name: bob }
spec: { organization: acme, email: bob@acme.com, role: admin }
`;

const source: DesiredStateSource = {
  describe: "test",
  read: (): Promise<SourceSnapshot> =>
    Promise.resolve({ revision: "r1", files: [{ path: "acme.yaml", text: ACME }], oversized: [] }),
};

/**
 * Someone else writes between Roster's snapshot and its first write, `times` times: the
 * decorator runs `edit` right after a snapshot resolves, as a Portal user or a second
 * controller would.
 */
function interfering(
  inner: MemoryBackend,
  edit: () => Promise<unknown>,
  times: number,
): IdentityBackend {
  let left = times;
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === "snapshot") {
        return async (org: string): Promise<ActualOrganization | null> => {
          const seen = await target.snapshot(org);
          if (left-- > 0) await edit();
          return seen;
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? (value.bind(target) as unknown) : value;
    },
  });
}

const options: ReconcileOptions = {
  dryRun: false,
  retry: { sleep: () => Promise.resolve(), random: () => 0 },
};

const portal = {
  revision: "portal",
  reason: "changed by hand",
  actor: "someone@acme.com",
  get idempotencyKey() {
    return randomUUID();
  },
};

/** A Portal user sets bob to admin and back: bob's role is what it was, his version is not. */
async function touchBob(backend: MemoryBackend): Promise<void> {
  await backend.changeRole("acme", "bob@acme.com", "member", "admin", { ...portal });
  await backend.changeRole("acme", "bob@acme.com", "admin", "member", { ...portal });
}

function seeded(): MemoryBackend {
  const backend = new MemoryBackend();
  const actual = actualOrg("acme", { "alice@acme.com": "owner", "bob@acme.com": "member" });
  backend.seed({
    ...actual,
    settings: { ...actual.settings, displayName: "Acme", domains: ["acme.com"] },
  });
  return backend;
}

describe("reconcile: a write refused by its precondition is planned again", () => {
  it("someone touches bob's membership after the snapshot: the conflict is re-planned, and the pass converges", async () => {
    const backend = seeded();
    const wrapped = interfering(backend, () => touchBob(backend), 1);
    const result = await reconcile({ source, backend: wrapped, state: new MemoryState() }, options);
    const acme = result.orgs.find((o) => o.org === "acme");
    expect(acme?.status).toBe("synced");
    expect(
      (await backend.snapshot("acme"))?.members.find((m) => m.email === "bob@acme.com")?.role,
    ).toBe("admin");
    // The refused write did not count as a result; the re-planned one did.
    expect(acme?.results.map((r) => [r.step.action, r.result])).toEqual([
      ["changeRole", "applied"],
    ]);
  });

  it("a world that keeps changing: at most MAX_ROUNDS rounds, then a transient failure for the next pass", async () => {
    const backend = seeded();
    let snapshots = 0;
    const wrapped = interfering(backend, () => (snapshots++, touchBob(backend)), 100);
    const result = await reconcile({ source, backend: wrapped, state: new MemoryState() }, options);
    const acme = result.orgs.find((o) => o.org === "acme");
    expect(snapshots).toBe(MAX_ROUNDS);
    expect(acme?.status).toBe("partial");
    expect(acme?.results).toHaveLength(1);
    expect(acme?.results[0]?.result).toBe("failed");
    expect(acme?.results[0]?.error).toMatchObject({ transient: true });
    expect(acme?.results[0]?.error?.message).toMatch(/kept changing/);
  });

  it("the same drift twice at the same revision is repaired twice", async () => {
    const backend = seeded();
    const state = new MemoryState();
    for (let i = 0; i < 2; i++) {
      const result = await reconcile({ source, backend, state }, options);
      expect(result.orgs[0]?.results.map((r) => r.result)).toEqual(["applied"]);
      // Someone sets bob back by hand: the same drift, at the same revision.
      await backend.changeRole("acme", "bob@acme.com", "admin", "member", { ...portal });
    }
    const again = await reconcile({ source, backend, state }, options);
    expect(again.orgs[0]?.results.map((r) => r.result)).toEqual(["applied"]);
  });
});

describe("reconcile: a conflicted write whose re-plan cannot happen is never reported as done", () => {
  it("acme cannot be observed again after the conflict: the pass says acme is not synced, with bob's change failed", async () => {
    const backend = seeded();
    let snapshots = 0;
    // The first snapshot is followed by a Portal user touching bob; every later one fails.
    const flaky = interfering(backend, () => touchBob(backend), 1);
    const unreachableLater = new Proxy(flaky, {
      get(target, prop, receiver) {
        if (prop === "snapshot") {
          return (org: string) => {
            if (++snapshots > 1) {
              return Promise.reject(
                new BackendError("unavailable", "the Portal is down", { transient: true }),
              );
            }
            return target.snapshot(org);
          };
        }
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? (value.bind(target) as unknown) : value;
      },
    });
    const result = await reconcile(
      { source, backend: unreachableLater, state: new MemoryState() },
      options,
    );
    // bob is still a member: Roster did not make him admin.
    expect(
      (await backend.snapshot("acme"))?.members.find((m) => m.email === "bob@acme.com")?.role,
    ).toBe("member");
    const acme = result.orgs.find((o) => o.org === "acme");
    expect(acme?.status).not.toBe("synced");
    expect(acme?.results.map((r) => [r.step.action, r.step.email, r.result])).toEqual([
      ["changeRole", "bob@acme.com", "failed"],
    ]);
  });
});

describe("reconcile: the removal limit holds for the whole pass, not for each round", () => {
  it("a re-plan after a conflict may not remove more than the limit left by the first round", async () => {
    const strict = ACME.replace(
      "spec: { displayName: Acme, domains: [acme.com] }",
      "spec: { displayName: Acme, domains: [acme.com], unmanaged: remove, safety: { maxRemovals: 1 } }",
    );
    const strictSource: DesiredStateSource = {
      describe: "test",
      read: () =>
        Promise.resolve({
          revision: "r1",
          files: [{ path: "acme.yaml", text: strict }],
          oversized: [],
        }),
    };
    const backend = new MemoryBackend();
    const actual = actualOrg("acme", {
      "alice@acme.com": "owner",
      "bob@acme.com": "member",
      "x1@acme.com": "member",
    });
    backend.seed({
      ...actual,
      settings: { ...actual.settings, displayName: "Acme", domains: ["acme.com"] },
    });
    // After the first snapshot: bob is touched (his change conflicts) and x2 joins by hand.
    const edit = async () => {
      await touchBob(backend);
      await backend.invite("acme", "x2@acme.com", "member", { ...portal });
      backend.acceptInvite("acme", "x2@acme.com");
    };
    const result = await reconcile(
      { source: strictSource, backend: interfering(backend, edit, 1), state: new MemoryState() },
      options,
    );
    const emails = (await backend.snapshot("acme"))?.members.map((m) => m.email);
    // x1 was the one removal the limit allowed; x2 is left for a pass whose plan says so.
    expect(emails).toEqual(["alice@acme.com", "bob@acme.com", "x2@acme.com"]);
    const acme = result.orgs.find((o) => o.org === "acme");
    expect(
      acme?.results.filter((r) => r.step.action === "remove").map((r) => [r.step.email, r.result]),
    ).toEqual([["x1@acme.com", "applied"]]);
    expect(acme?.status).not.toBe("synced");
  });
});
