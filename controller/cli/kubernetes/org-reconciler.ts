import type { KubeClients } from "../../adapters/kubernetes/client.js";
import type { RetryOptions } from "../../apply/index.js";
import type { ActualOrganization, ControllerState, IdentityBackend } from "../../model/index.js";
import { reconcile } from "../../reconcile/index.js";
import type { ReconcileResult } from "../../reconcile/index.js";
import { describeApiError } from "../../adapters/kubernetes/api-errors.js";
import {
  MEMBER_FINALIZER,
  MEMBERS,
  ORGANIZATION_FINALIZER,
  ORGANIZATIONS,
} from "../../adapters/kubernetes/constants.js";
import type { EventRecorder, RecordedEvent } from "../../adapters/kubernetes/events.js";
import {
  setFinalizers,
  withFinalizer,
  withoutFinalizer,
} from "../../adapters/kubernetes/finalizers.js";
import type { Logger } from "../../adapters/kubernetes/log.js";
import type { RosterObject } from "../../adapters/kubernetes/objects.js";
import { hasFinalizer, isDeleting, memberEmail, refOf } from "../../adapters/kubernetes/objects.js";
import { applyDeletionPolicy } from "./org-deletion.js";
import type { OrgObjects } from "../../adapters/kubernetes/org-objects.js";
import {
  CachedOrgSource,
  checkOrgObjects,
  liveEmails,
} from "../../adapters/kubernetes/org-objects.js";
import { outcomeOf } from "./outcome.js";
import { reviewConditionOf, reviewOverdueEvents } from "./review-status.js";
import type { OrgOutcome } from "./status.js";
import { organizationStatus, statusUpdates } from "./status.js";
import type { StatusWriter } from "../../adapters/kubernetes/status-writer.js";
import { freshest } from "../../adapters/kubernetes/status-writer.js";
import { stepEvents } from "./step-events.js";
import type { WorkOutcome } from "../../reconcile/work-queue.js";

export interface OrgReconcilerDeps {
  custom: KubeClients["custom"];
  /** Already wrapped so that only the leader writes (LeaderOnlyBackend). */
  backend: IdentityBackend;
  state: ControllerState;
  /** The managed set of a backend without marks (`--state`); see reconcile's deps. */
  managedState?: ControllerState;
  statusWriter: StatusWriter;
  events: EventRecorder;
  isLeader: () => boolean;
  /** The current leadership term's signal: aborted when it ends, so no new step starts. */
  signal?: () => AbortSignal;
  actor: string;
  log: Logger;
  /** Steps in flight at once inside a phase. */
  concurrency?: number;
  retry?: RetryOptions;
  now?: () => Date;
  /** Every finished reconcile pass, for the roster_sync_* metrics. */
  onReconciled?: (result: ReconcileResult, seconds: number) => void;
  /** The org has no Organization object any more: its per-org metrics go. */
  onOrganizationGone?: (org: string) => void;
}

/**
 * One organization, one pass: finalizers on first sight → deletion policy of a deleted
 * Organization → the cross-object checks of Kubernetes mode → the shared reconcile() over the
 * cached objects → Events → release of the finalizers whose removal is applied → one status
 * write. Returns what the work queue does next.
 */
export async function reconcileOrg(
  deps: OrgReconcilerDeps,
  input: OrgObjects,
): Promise<WorkOutcome> {
  if (!deps.isLeader()) return { kind: "done" };
  const ensured = await ensureFinalizers(deps, input);
  const objects = {
    ...ensured,
    organizations: ensured.organizations.map((o) => freshest(deps.statusWriter, o)),
  };
  const deletingOrg = objects.organizations.length === 1 ? objects.organizations[0] : undefined;
  if (deletingOrg && isDeleting(deletingOrg)) return deleteOrganization(deps, objects, deletingOrg);

  const check = checkOrgObjects(objects);
  if (objects.organizations.length === 0) deps.onOrganizationGone?.(objects.org);
  let outcome: OrgOutcome & { retry: boolean };
  // The org's next declared expiry (revoke AT it) or review deadline: the key comes back then.
  let wakeAt: number | undefined;
  const events: RecordedEvent[] = [];
  if (check.errors.length > 0) {
    const message = check.errors.map((e) => `${e.ref}: ${e.message}`).join("; ");
    outcome = {
      retry: false,
      stalled: { reason: "Invalid", message },
      memberIssues: new Map(check.errors.map((e) => [e.ref, e.message])),
    };
  } else if (objects.organizations.length === 0) {
    // Only deleted Members are left: nothing to reconcile, their finalizers are released below.
    outcome = { retry: false };
  } else {
    const started = performance.now();
    const result = await reconcile(
      {
        source: new CachedOrgSource(objects),
        backend: deps.backend,
        state: deps.state,
        ...(deps.managedState ? { managedState: deps.managedState } : {}),
      },
      {
        dryRun: false,
        orgs: [objects.org],
        actor: deps.actor,
        concurrency: deps.concurrency,
        retry: deps.retry,
        signal: deps.signal?.(),
        now: now(deps),
      },
    );
    wakeAt = nextWake(result, objects.org, now(deps).getTime());
    deps.onReconciled?.(result, (performance.now() - started) / 1000);
    const memberRefs = new Set(objects.members.map((m) => refOf("Member", m)));
    outcome = outcomeOf(objects.org, result, memberRefs);
    const orgResult = outcome.result;
    const refusals = (orgResult?.plan?.safety.refusals ?? []).filter((r) => r.org === objects.org);
    events.push(...stepEvents(objects, orgResult?.results ?? [], refusals));
    const org = objects.organizations[0];
    if (org) {
      events.push(...reviewOverdueEvents(org, reviewConditionOf(org, outcome.review, now(deps))));
    }
  }
  if (outcome.stalled && !outcome.result?.plan) events.push(...stallEvents(objects, outcome));

  // Events first: AccessRevoked lands on the Member while it still exists.
  await deps.events.record(events);
  outcome.actual = await readActual(deps, objects, outcome);
  const released = await releaseMembers(deps, objects, outcome.actual);
  await deps.statusWriter.write(statusUpdates(objects, outcome, released, now(deps)));
  if (outcome.retry) return { kind: "retry" };
  return wakeAt === undefined
    ? { kind: "done" }
    : { kind: "after", ms: Math.max(0, wakeAt - now(deps).getTime()) };
}

/** A Warning on the Organization, or on each Member at fault when no Organization exists. */
function stallEvents(objects: OrgObjects, outcome: OrgOutcome): RecordedEvent[] {
  const stalled = outcome.stalled;
  if (!stalled) return [];
  const org = objects.organizations[0];
  if (org) {
    return [{ kind: "Organization", object: org, type: "Warning", ...stalled }];
  }
  return objects.members.flatMap((m): RecordedEvent[] => {
    const message = outcome.memberIssues?.get(refOf("Member", m));
    return message
      ? [{ kind: "Member", object: m, type: "Warning", reason: stalled.reason, message }]
      : [];
  });
}

function now(deps: OrgReconcilerDeps): Date {
  return (deps.now ?? (() => new Date()))();
}

/** Adds our finalizer to every live object that lacks it, before anything is written for it. */
async function ensureFinalizers(deps: OrgReconcilerDeps, objects: OrgObjects): Promise<OrgObjects> {
  const add = async (object: RosterObject, plural: string, finalizer: string) => {
    if (isDeleting(object) || hasFinalizer(object, finalizer) || !deps.isLeader()) return object;
    return setFinalizers(deps.custom, plural, object, withFinalizer(object, finalizer));
  };
  const organizations: RosterObject[] = [];
  for (const o of objects.organizations) {
    const next = await add(o, ORGANIZATIONS, ORGANIZATION_FINALIZER);
    if (next) organizations.push(next);
  }
  const members: RosterObject[] = [];
  for (const m of objects.members) {
    const next = await add(m, MEMBERS, MEMBER_FINALIZER);
    if (next) members.push(next);
  }
  return { ...objects, organizations, members };
}

/**
 * The earliest of the next declared expiry and a review deadline still ahead (epoch ms): an
 * overdue review shows in status when it falls due, not at the next resync.
 */
function nextWake(result: ReconcileResult, org: string, at: number): number | undefined {
  const instants: number[] = [];
  if (result.nextExpiry !== undefined) instants.push(Date.parse(result.nextExpiry));
  const due = result.reviewsDue?.find((r) => r.org === org);
  if (due !== undefined && Date.parse(due.dueAt) > at) instants.push(Date.parse(due.dueAt));
  return instants.length === 0 ? undefined : Math.min(...instants);
}

/** The backend's view after the writes, for status and finalizers; undefined if unreadable. */
async function readActual(
  deps: OrgReconcilerDeps,
  objects: OrgObjects,
  outcome: OrgOutcome,
): Promise<ActualOrganization | null | undefined> {
  if (objects.organizations.length === 0 || outcome.result?.status === "failed") return undefined;
  try {
    return await deps.backend.snapshot(objects.org);
  } catch (error) {
    deps.log.warn("cannot read the backend after the reconcile", {
      org: objects.org,
      error: describeApiError(error),
    });
    return undefined;
  }
}

/**
 * A deleted Member keeps its finalizer until its access is revoked (R6): released once the
 * backend holds neither a membership nor an invitation for its email, or when another Member
 * still declares that email, or when no Organization declares its org (Roster no longer
 * manages it; see docs/kubernetes.md).
 */
async function releaseMembers(
  deps: OrgReconcilerDeps,
  objects: OrgObjects,
  actual: ActualOrganization | null | undefined,
): Promise<Set<string>> {
  const released = new Set<string>();
  const live = liveEmails(objects);
  const unmanaged = objects.organizations.length === 0;
  for (const m of objects.members) {
    if (!isDeleting(m) || !hasFinalizer(m, MEMBER_FINALIZER)) continue;
    const email = memberEmail(m);
    const absent =
      actual === null ||
      (actual !== undefined &&
        !actual.members.some((a) => a.email === email) &&
        !actual.invitations.some((i) => i.email === email));
    if (!deps.isLeader()) break;
    if (email === undefined || live.has(email) || unmanaged || absent) {
      await setFinalizers(deps.custom, MEMBERS, m, withoutFinalizer(m, MEMBER_FINALIZER));
      released.add(refOf("Member", m));
    }
  }
  return released;
}

async function deleteOrganization(
  deps: OrgReconcilerDeps,
  objects: OrgObjects,
  org: RosterObject,
): Promise<WorkOutcome> {
  if (!hasFinalizer(org, ORGANIZATION_FINALIZER)) return { kind: "done" };
  const result = await applyDeletionPolicy(
    { backend: deps.backend, state: deps.state, actor: deps.actor, retry: deps.retry },
    org,
  );
  const events = stepEvents(objects, result.results, []);
  if (result.ownerKept) {
    events.push({
      kind: "Organization",
      object: org,
      type: "Warning",
      reason: "OwnerKept",
      message: result.ownerKept,
    });
  }
  await deps.events.record(events);
  if (!result.release) {
    const failed = result.results.find((r) => r.result === "failed");
    const message = `deletionPolicy: Delete could not empty the organization: ${failed?.error?.message ?? "unknown error"}`;
    const outcome: OrgOutcome = result.retry
      ? { retrying: { reason: "DeletionFailed", message } }
      : { stalled: { reason: "DeletionFailed", message } };
    await deps.statusWriter.write([
      { kind: "Organization", object: org, status: organizationStatus(org, outcome, now(deps)) },
    ]);
    return result.retry ? { kind: "retry" } : { kind: "done" };
  }
  // Members deleted together with their Organization follow its policy: their removal is done
  // (Delete) or deliberately not made (Orphan), so nothing is left to wait for.
  for (const m of objects.members) {
    if (isDeleting(m) && hasFinalizer(m, MEMBER_FINALIZER)) {
      await setFinalizers(deps.custom, MEMBERS, m, withoutFinalizer(m, MEMBER_FINALIZER));
    }
  }
  await setFinalizers(
    deps.custom,
    ORGANIZATIONS,
    org,
    withoutFinalizer(org, ORGANIZATION_FINALIZER),
  );
  deps.log.info("organization finalizer released", {
    org: objects.org,
    ref: refOf("Organization", org),
  });
  return { kind: "done" };
}
