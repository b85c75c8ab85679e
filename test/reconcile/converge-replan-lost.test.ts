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

const options: ReconcileOptions = {
  dryRun: false,
  retry: { sleep: () => Promise.resolve(), random: () => 0 },
};

const portal = {
  revision: "portal",
  reason: "changed by hand",
  actor: "someone@acme.com",
  idempotencyKey: "",
};

function seeded(): MemoryBackend {
  const backend = new MemoryBackend();
  const actual = actualOrg("acme", { "alice@acme.com": "owner", "bob@acme.com": "member" });
  backend.seed({
    ...actual,
    settings: { ...actual.settings, displayName: "Acme", domains: ["acme.com"] },
  });
  return backend;
}

/**
 * The first snapshot is followed by a Portal user touching bob (so Roster's write of bob is
 * refused by its precondition); every later snapshot fails, so the re-plan cannot observe acme.
 */
function conflictThenUnreachable(inner: MemoryBackend): IdentityBackend {
  let snapshots = 0;
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === "snapshot") {
        return async (org: string): Promise<ActualOrganization | null> => {
          snapshots++;
          if (snapshots > 1)
            throw new BackendError("unavailable", "the Portal is down", { transient: true });
          const seen = await target.snapshot(org);
          await target.changeRole("acme", "bob@acme.com", "member", "admin", {
            ...portal,
            idempotencyKey: "p1",
          });
          await target.changeRole("acme", "bob@acme.com", "admin", "member", {
            ...portal,
            idempotencyKey: "p2",
          });
          return seen;
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? (value.bind(target) as unknown) : value;
    },
  });
}

describe("reconcile: a conflicted write whose re-plan cannot happen is never reported as done", () => {
  it("acme cannot be observed again after the conflict: the pass says acme is not synced, with bob's change failed", async () => {
    const backend = seeded();
    const result = await reconcile(
      { source, backend: conflictThenUnreachable(backend), state: new MemoryState() },
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
