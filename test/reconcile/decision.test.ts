import { describe, expect, it } from "vitest";
import { decideOrg, decideSource, workOutcome } from "../../controller/reconcile/decision.js";
import type { OrgReconcileResult, ReconcileResult } from "../../controller/reconcile/types.js";

const base: ReconcileResult = { issues: [], orgs: [] };
const org = (o: Partial<OrgReconcileResult>): OrgReconcileResult => ({
  org: "acme",
  status: "synced",
  results: [],
  ...o,
});
const failedStep = (transient: boolean) =>
  ({
    step: { action: "invite", org: "acme", email: "bob@acme.com", role: "member", reason: "r" },
    result: "failed",
    error: { message: "boom", transient },
  }) as unknown as OrgReconcileResult["results"][number];

describe("the controller core's decision: ok | requeue | stalled", () => {
  it.each<[string, ReconcileResult, string, string?]>([
    ["in sync", { ...base, orgs: [org({})] }, "ok"],
    ["source down", { ...base, sourceError: { message: "x", transient: true } }, "requeue"],
    ["source refused", { ...base, sourceError: { message: "x", transient: false } }, "stalled"],
    [
      "invalid resources",
      {
        ...base,
        issues: [{ file: "f", line: 1, col: 1, rule: "R2", severity: "error", message: "two" }],
      },
      "stalled",
      "Invalid",
    ],
    ["not declared", { ...base, orgs: [] }, "stalled", "NotDeclared"],
    ["refused by safety", { ...base, orgs: [org({ status: "refused" })] }, "stalled", "Refused"],
    [
      "backend down",
      { ...base, orgs: [org({ status: "failed", error: { message: "503", transient: true } })] },
      "requeue",
      "BackendUnavailable",
    ],
    [
      "backend refuses for good",
      { ...base, orgs: [org({ status: "failed", error: { message: "403", transient: false } })] },
      "stalled",
      "BackendError",
    ],
    [
      "a transient step failure",
      { ...base, orgs: [org({ status: "partial", results: [failedStep(true)] })] },
      "requeue",
      "StepsFailed",
    ],
    [
      "a permanent step failure",
      { ...base, orgs: [org({ status: "partial", results: [failedStep(false)] })] },
      "stalled",
      "StepsFailed",
    ],
  ])("%s", (_name, result, kind, reason) => {
    const { decision } = decideOrg("acme", result);
    expect(decision.kind).toBe(kind);
    if (reason) expect(decision).toMatchObject({ reason });
    // A source pass that stops before any organization decides as each org would.
    if (result.sourceError || result.issues.length > 0) {
      expect(decideSource(result)).toEqual(decision);
    } else {
      expect(decideSource(result)).toBeUndefined();
    }
  });

  it("decides each organization of a pass alone: one org's failure is not another's", () => {
    const requeue = org({ org: "b", status: "failed", error: { message: "503", transient: true } });
    const stall = org({ org: "c", status: "refused" });
    const result = { ...base, orgs: [org({}), stall, requeue] };
    expect(decideOrg("acme", result).decision.kind).toBe("ok");
    expect(decideOrg("b", result).decision.kind).toBe("requeue");
    expect(decideOrg("c", result).decision.kind).toBe("stalled");
  });

  it("maps onto the work queue: a stall is done, a requeue backs off or waits", () => {
    expect(workOutcome({ kind: "ok" })).toEqual({ kind: "done" });
    expect(workOutcome({ kind: "stalled", reason: "r", message: "m" })).toEqual({ kind: "done" });
    expect(workOutcome({ kind: "requeue", reason: "r", message: "m" })).toEqual({ kind: "retry" });
    expect(workOutcome({ kind: "requeue", reason: "r", message: "m", afterMs: 5 })).toEqual({
      kind: "after",
      ms: 5,
    });
  });
});
