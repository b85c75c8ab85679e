import { describe, expect, it } from "vitest";
import { mergeConditions } from "../../controller/adapters/kubernetes/conditions.js";
import type { RosterObject } from "../../controller/adapters/kubernetes/objects.js";
import { outcomeOf } from "../../controller/cli/kubernetes/outcome.js";
import type { OrgOutcome } from "../../controller/cli/kubernetes/status.js";
import { memberStatus, organizationStatus } from "../../controller/cli/kubernetes/status.js";
import type { ActualOrganization } from "../../controller/model/index.js";
import { defaultOrgSettings } from "../../controller/model/index.js";
import type { ReconcileResult } from "../../controller/reconcile/types.js";

const T0 = "2026-01-01T00:00:00.000Z";
const NOW = new Date("2026-01-02T00:00:00.000Z");

function member(name: string, extra: Partial<RosterObject["metadata"]> = {}): RosterObject {
  return {
    metadata: { name, namespace: "team", generation: 3, ...extra },
    spec: { organization: "acme", email: `${name}@acme.com`, role: "member" },
  };
}

const org: RosterObject = {
  metadata: { name: "acme", namespace: "team", generation: 2 },
  spec: {},
};

const actual: ActualOrganization = {
  name: "acme",
  settings: defaultOrgSettings("acme"),
  members: [
    { email: "alice@acme.com", role: "owner", since: T0 },
    { email: "bob@acme.com", role: "member", since: T0 },
  ],
  invitations: [
    {
      email: "carol@acme.com",
      role: "member",
      sentAt: T0,
      expiresAt: "2026-01-08T00:00:00Z",
      status: "pending",
    },
    { email: "dan@acme.com", role: "member", sentAt: T0, expiresAt: T0, status: "expired" },
  ],
};

const synced: OrgOutcome = {
  actual,
  result: {
    org: "acme",
    status: "synced",
    results: [],
    plan: {
      revision: "1",
      steps: [],
      blocked: [],
      warnings: [],
      safety: { safe: true, refusals: [], removals: [] },
    },
  },
};

describe("mergeConditions", () => {
  it("keeps lastTransitionTime while the status holds, and moves it when the status flips", () => {
    const previous = [
      { type: "Ready", status: "True", reason: "Synced", message: "a", lastTransitionTime: T0 },
      { type: "Stalled", status: "False", reason: "Synced", message: "", lastTransitionTime: T0 },
    ];
    const next = mergeConditions(
      previous,
      [
        { type: "Ready", status: "True", reason: "Synced", message: "b, another message" },
        { type: "Stalled", status: "True", reason: "Invalid", message: "two owners" },
        { type: "Reconciling", status: "False", reason: "Synced", message: "" },
      ],
      NOW.toISOString(),
      7,
    );
    expect(next.map((c) => [c.type, c.lastTransitionTime, c.observedGeneration])).toEqual([
      ["Ready", T0, 7],
      ["Stalled", NOW.toISOString(), 7],
      ["Reconciling", NOW.toISOString(), 7],
    ]);
  });

  it("ignores a malformed previous value", () => {
    expect(
      mergeConditions(
        "garbage",
        [{ type: "Ready", status: "True", reason: "x", message: "" }],
        T0,
        undefined,
      ),
    ).toEqual([
      { type: "Ready", status: "True", reason: "x", message: "", lastTransitionTime: T0 },
    ]);
  });
});

describe("organizationStatus", () => {
  const cases: [
    string,
    OrgOutcome,
    { ready: boolean; reconciling: string; stalled: string; reason: string },
  ][] = [
    ["in sync", synced, { ready: true, reconciling: "False", stalled: "False", reason: "Synced" }],
    [
      "invalid resources",
      { stalled: { reason: "Invalid", message: "two owners" } },
      { ready: false, reconciling: "False", stalled: "True", reason: "Invalid" },
    ],
    [
      "backend unavailable",
      { retrying: { reason: "BackendUnavailable", message: "503" } },
      { ready: false, reconciling: "True", stalled: "False", reason: "BackendUnavailable" },
    ],
    [
      "blocked steps",
      {
        actual,
        result: {
          ...synced.result!,
          plan: {
            ...synced.result!.plan!,
            blocked: [
              {
                action: "transferOwnership",
                org: "acme",
                email: "carol@acme.com",
                from: "alice@acme.com",
                to: "carol@acme.com",
                reason: "r",
                blockedBy: "waiting for carol to accept",
              },
            ],
          },
        },
      },
      { ready: false, reconciling: "False", stalled: "False", reason: "Blocked" },
    ],
  ];
  it.each(cases)("%s", (_name, outcome, want) => {
    const status = organizationStatus(org, outcome, NOW);
    const byType = new Map(
      (status.conditions as { type: string; status: string; reason: string }[]).map((c) => [
        c.type,
        c,
      ]),
    );
    expect(status.ready).toBe(want.ready);
    expect(byType.get("Ready")).toMatchObject({
      status: want.ready ? "True" : "False",
      reason: want.reason,
    });
    expect(byType.get("Reconciling")?.status).toBe(want.reconciling);
    expect(byType.get("Stalled")?.status).toBe(want.stalled);
    expect(status.observedGeneration).toBe(2);
    expect(status.lastSyncedAt).toBe(NOW.toISOString());
  });

  it("counts members, pending invitations and blocked steps from the backend", () => {
    expect(organizationStatus(org, synced, NOW)).toMatchObject({
      owner: "alice@acme.com",
      members: 2,
      pendingInvites: 1,
      blockedSteps: 0,
    });
  });

  it("leaves the counts alone when the backend could not be read", () => {
    const status = organizationStatus(
      org,
      { retrying: { reason: "BackendUnavailable", message: "x" } },
      NOW,
    );
    expect(status).not.toHaveProperty("members");
    expect(status).not.toHaveProperty("owner");
  });
});

describe("memberStatus", () => {
  const phase = (m: RosterObject, outcome: OrgOutcome) =>
    memberStatus(m, `team/Member/${m.metadata.name}`, outcome, NOW);

  it("derives the phase from the backend: Active, Invited (pending or expired), Removing", () => {
    expect(phase(member("bob"), synced)).toMatchObject({
      phase: "Active",
      joinedAt: T0,
      observedGeneration: 3,
    });
    expect(phase(member("carol"), synced)).toMatchObject({ phase: "Invited", invitedAt: T0 });
    const dan = phase(member("dan"), synced)!;
    expect(dan.phase).toBe("Invited");
    expect((dan.conditions as { reason: string }[])[0]?.reason).toBe("InvitationExpired");
    expect(phase(member("bob", { deletionTimestamp: T0 }), synced)?.phase).toBe("Removing");
  });

  it("is Blocked by its own issue, the org's stall, a blocked step, or a failed step", () => {
    expect(
      phase(member("bob"), {
        ...synced,
        memberIssues: new Map([["team/Member/bob", "schema: bad role"]]),
      }),
    ).toMatchObject({ phase: "Blocked" });
    expect(
      phase(member("erin"), { stalled: { reason: "Refused", message: "max removals" } })?.phase,
    ).toBe("Blocked");
    const failed: OrgOutcome = {
      ...synced,
      result: {
        ...synced.result!,
        status: "partial",
        results: [
          {
            step: {
              action: "invite",
              org: "acme",
              email: "erin@acme.com",
              role: "member",
              reason: "r",
            },
            result: "failed",
            error: { message: "quota", transient: true },
            attempts: 3,
          },
        ],
      },
    };
    const erin = phase(member("erin"), failed)!;
    expect(erin.phase).toBe("Blocked");
    const conditions = erin.conditions as { type: string; status: string; reason: string }[];
    expect(conditions.find((c) => c.type === "Stalled")?.status).toBe("False"); // transient: retried
  });

  it("writes nothing when the backend is unknown and nothing else is", () => {
    expect(phase(member("bob"), {})).toBeUndefined();
  });
});

describe("outcomeOf", () => {
  const base: ReconcileResult = { issues: [], orgs: [] };
  const refs = new Set(["team/Member/alice", "team/Member/dave", "team/Member/bob"]);

  it("is Stalled for invalid resources, naming them without positions", () => {
    const outcome = outcomeOf(
      "acme",
      {
        ...base,
        issues: [
          {
            file: "team/Member/alice",
            line: 11,
            col: 13,
            rule: "R2",
            severity: "error",
            message: "2 owners: team/Member/alice:11:13, team/Member/dave:11:13",
          },
          {
            file: "team/Member/dave",
            line: 11,
            col: 13,
            rule: "R2",
            severity: "error",
            message: "2 owners: team/Member/alice:11:13, team/Member/dave:11:13",
          },
          {
            file: "team/Member/bob",
            line: 3,
            col: 1,
            rule: "external",
            severity: "warning",
            message: "outside domains",
          },
        ],
      },
      refs,
    );
    expect(outcome.retry).toBe(false);
    expect(outcome.stalled?.message).toBe("R2: 2 owners: team/Member/alice, team/Member/dave");
    expect([...(outcome.memberIssues?.keys() ?? [])]).toEqual([
      "team/Member/alice",
      "team/Member/dave",
    ]);
  });

  it("retries transient failures and stalls on permanent ones", () => {
    expect(
      outcomeOf("acme", { ...base, sourceError: { message: "x", transient: true } }, refs).retry,
    ).toBe(true);
    const failed = (transient: boolean) =>
      outcomeOf(
        "acme",
        {
          ...base,
          orgs: [
            { org: "acme", status: "failed", results: [], error: { message: "503", transient } },
          ],
        },
        refs,
      );
    expect(failed(true)).toMatchObject({ retry: true, retrying: { reason: "BackendUnavailable" } });
    expect(failed(false)).toMatchObject({ retry: false, stalled: { reason: "BackendError" } });
  });
});
